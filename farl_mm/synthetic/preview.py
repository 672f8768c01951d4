"""Quick looks at synthetic samples: label overlays and contact sheets.

Used by the CLI's ``--preview`` and by whoever changes the drawing, since
the only real test of "does it look like a face" is to look.
"""
import cv2
import numpy as np

#: BGR colour per LaPa class for overlays.
CLASS_COLOURS = np.array(
    [[0, 0, 0], [128, 178, 255], [0, 85, 170], [85, 0, 170], [255, 255, 0],
     [255, 170, 0], [0, 255, 0], [0, 0, 255], [255, 0, 255], [0, 128, 255],
     [40, 80, 120]], np.uint8)


def overlay(sample, alpha=0.5, points=True):
    """The image blended with its parsing colours, landmarks as dots (the
    five alignment points in red)."""
    img = cv2.addWeighted(sample.image, 1 - alpha,
                          CLASS_COLOURS[sample.parsing], alpha, 0)
    if points:
        five = {104, 105, 54, 84, 90}
        for i, (x, y) in enumerate(sample.landmarks106):
            colour = (0, 0, 255) if i in five else (255, 255, 255)
            cv2.circle(img, (int(round(x)), int(round(y))), 1, colour, -1)
    x1, y1, x2, y2 = (int(round(v)) for v in sample.box)
    cv2.rectangle(img, (x1, y1), (x2, y2), (0, 255, 255), 1)
    return img


def contact_sheet(images, cols=4):
    """Tile equally sized ``(H, W, 3)`` images row by row into one image."""
    images = list(images)
    rows = -(-len(images) // cols)
    h, w = images[0].shape[:2]
    sheet = np.zeros((rows * h, cols * w, 3), np.uint8)
    for i, img in enumerate(images):
        r, c = divmod(i, cols)
        sheet[r * h:(r + 1) * h, c * w:(c + 1) * w] = img
    return sheet
