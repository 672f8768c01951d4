"""Locate the landmarks of a face in a photo with a trained farl_mm
alignment model (paper §4.1), through mmpose's top-down inference.

The face box is cropped as the config's test pipeline does (the whole
photo when no box is given); the landmarks come back in the photo's own
pixel coordinates.
"""
import cv2
import numpy as np

from .face_inputs import read_bgr


def init_face_aligner(config, checkpoint=None, device='cpu'):
    """The alignment model of ``config`` with ``checkpoint`` loaded."""
    from mmpose.apis import init_model
    return init_model(config, checkpoint, device=device)


def align_face(model, image, bbox=None):
    """Landmarks of one face.

    Args:
        model: From :func:`init_face_aligner`.
        image (str | np.ndarray): Path or BGR ``(H, W, 3)`` uint8 array.
        bbox (array-like, optional): Face box ``(x1, y1, x2, y2)`` in the
            photo; the whole photo when omitted.

    Returns:
        tuple[np.ndarray, np.ndarray]: ``(K, 2)`` landmarks ``(x, y)`` in
        the photo's pixels and their ``(K,)`` heatmap scores.
    """
    from mmpose.apis import inference_topdown
    img = read_bgr(image)
    bboxes = None if bbox is None else np.asarray(
        bbox, np.float32).reshape(1, 4)
    sample = inference_topdown(model, img, bboxes, bbox_format='xyxy')[0]
    pred = sample.pred_instances
    return pred.keypoints[0], pred.keypoint_scores[0]


def draw_landmarks(image, points, bbox=None, colour=(0, 255, 0)):
    """A copy of ``image`` (BGR) with ``points`` as dots (radius scaled to
    the image) and, if given, the face box."""
    out = image.copy()
    radius = max(1, round(max(image.shape[:2]) / 200))
    if bbox is not None:
        x1, y1, x2, y2 = (int(round(v)) for v in bbox)
        cv2.rectangle(out, (x1, y1), (x2, y2), (255, 128, 0), radius)
    for x, y in np.asarray(points):
        cv2.circle(out, (int(round(x)), int(round(y))), radius, colour, -1,
                   cv2.LINE_AA)
    return out
