"""Similarity alignment of five facial points to FaRL's mean face.

Convention everywhere in :mod:`farl_mm.geometry`: pixel centres sit at
integer coordinates (pixel ``i`` covers ``[i - 0.5, i + 0.5]``), as in
OpenCV's ``warpAffine``/``remap`` and ``grid_sample(align_corners=True)``.
Normalised coordinates map pixel centre ``0`` to ``-1`` and ``size - 1`` to
``+1``. Getting this wrong is the half-pixel offset facer#13 shipped.
Matrices are 3x3 float64 homogeneous transforms acting on column ``[x, y, 1]``.
"""
import cv2
import numpy as np

#: Mean face on a 512 canvas: left eye, right eye, nose tip, left and right
#: mouth corners (the order of LaPa's 106->5 points and RetinaFace's output).
MEAN_FACE_512 = np.array(
    [[196.0, 226.0], [316.0, 226.0], [256.0, 286.0], [220.0, 360.4],
     [292.0, 360.4]])


def _wh(size):
    """``size`` as ``(w, h)``: an int means a square."""
    if np.isscalar(size):
        return int(size), int(size)
    w, h = size
    return int(w), int(h)


def mean_face_points(size, scale=1.0):
    """The five template points on a ``size`` canvas for face scale ``scale``.

    ``(MEAN_FACE_512 / 256 - 1) * scale`` in normalised coordinates, then to
    pixels with ``(n + 1) * [w - 1, h - 1] / 2``; ``scale < 1`` makes the face
    smaller (more context around it).
    """
    w, h = _wh(size)
    norm = (MEAN_FACE_512 / 256.0 - 1.0) * float(scale)
    return (norm + 1.0) * np.array([w - 1.0, h - 1.0]) / 2.0


def estimate_similarity(src, dst):
    """Least-squares similarity (rotation, uniform scale, translation).

    Solves ``min sum ||[[a, -b], [b, a]] s_i + t - d_i||^2`` exactly; no
    reflection. Returns the 3x3 matrix mapping ``src`` points onto ``dst``.
    """
    src = np.asarray(src, dtype=np.float64).reshape(-1, 2)
    dst = np.asarray(dst, dtype=np.float64).reshape(-1, 2)
    if src.shape != dst.shape or len(src) < 2:
        raise ValueError(
            f'need two matching sets of >= 2 points, got {src.shape} and '
            f'{dst.shape}')
    if not (np.isfinite(src).all() and np.isfinite(dst).all()):
        raise ValueError('landmarks contain NaN or inf')
    n = len(src)
    design = np.zeros((2 * n, 4))
    design[0::2] = np.stack(
        [src[:, 0], -src[:, 1], np.ones(n), np.zeros(n)], 1)
    design[1::2] = np.stack(
        [src[:, 1], src[:, 0], np.zeros(n), np.ones(n)], 1)
    (a, b, tx, ty), *_ = np.linalg.lstsq(design, dst.reshape(-1), rcond=None)
    if np.hypot(a, b) < 1e-8:
        raise ValueError(
            'degenerate alignment: the source points are (nearly) coincident')
    return np.array([[a, -b, tx], [b, a, ty], [0.0, 0.0, 1.0]])


def align_matrix(points5, size, scale=1.0):
    """Image pixels -> aligned ``size`` canvas, face at ``scale``."""
    points5 = np.asarray(points5, dtype=np.float64).reshape(-1, 2)
    if points5.shape != (5, 2):
        raise ValueError(f'expected 5 landmarks (5x2), got {points5.shape}')
    return estimate_similarity(points5, mean_face_points(size, scale))


def jitter_matrix(size, angle_deg=0.0, scale=1.0, shift_xy=(0.0, 0.0)):
    """Rotate/scale about the canvas centre, then shift by ``shift_xy`` px.

    Compose as ``jitter_matrix(...) @ align_matrix(...)`` so augmentation acts
    on the aligned face. Positive angles turn counter-clockwise on screen
    (``cv2.getRotationMatrix2D``).
    """
    w, h = _wh(size)
    centre = ((w - 1) / 2.0, (h - 1) / 2.0)
    mat = np.eye(3)
    mat[:2] = cv2.getRotationMatrix2D(centre, float(angle_deg), float(scale))
    mat[:2, 2] += np.asarray(shift_xy, dtype=np.float64)
    return mat
