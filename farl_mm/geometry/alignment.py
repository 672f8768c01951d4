"""Similarity alignment of five facial points to FaRL's mean face.

Convention everywhere in :mod:`farl_mm.geometry`: pixel centres sit at
integer coordinates (pixel ``i`` covers ``[i - 0.5, i + 0.5]``), as in
OpenCV's ``warpAffine``/``remap`` and ``grid_sample(align_corners=True)``.
Normalised coordinates map pixel centre ``0`` to ``-1`` and ``size - 1`` to
``+1``. Getting this wrong is the half-pixel offset facer#13 shipped.
Matrices are 3x3 float64 homogeneous transforms acting on column ``[x, y, 1]``.

Points that cannot be aligned raise :class:`AlignmentError` (a
``ValueError``) with a ``reason`` a data stream can count a sample under;
they are checked before the solve, so that garbage (1e20 px, NaN, a face
off the photo) is named for what it is rather than as a numerical failure.
"""
import cv2
import numpy as np

#: Mean face on a 512 canvas: left eye, right eye, nose tip, left and right
#: mouth corners (the order of LaPa's 106->5 points and RetinaFace's output).
MEAN_FACE_512 = np.array(
    [[196.0, 226.0], [316.0, 226.0], [256.0, 286.0], [220.0, 360.4],
     [292.0, 360.4]])


#: Why an alignment fails: :attr:`AlignmentError.reason`, in check order.
ALIGNMENT_REASONS = ('bad_shape', 'non_finite', 'outside_image', 'degenerate',
                     'absurd_scale')
#: Points spread less than this (RMS distance to their centroid, px) are
#: coincident: the fit would blow a speck up to the whole canvas.
MIN_SPREAD = 1.0
#: ... and thinner than this share of their length are collinear: a line
#: has no face orientation or height.
MIN_THICKNESS = 0.02
#: A fit scaling by more than this, or less than its inverse, is absurd:
#: the points are not image pixels (e.g. 1e20 px) or the image is not.
MAX_ZOOM = 1e4


class AlignmentError(ValueError):
    """Points that cannot be aligned; ``reason`` is one of
    :data:`ALIGNMENT_REASONS`, the message names ``where`` they came from."""

    def __init__(self, reason, message, where=None):
        super().__init__(f'{where}: {message}' if where else message)
        self.reason = reason


def spread_and_thickness(points):
    """RMS spread of point sets about their centroids and how thin they
    are (minor / major standard deviation), for ``(..., K, 2)`` points."""
    points = np.asarray(points, dtype=np.float64)
    centred = points - points.mean(axis=-2, keepdims=True)
    cov = np.einsum('...ki,...kj->...ij', centred, centred) / \
        points.shape[-2]
    half_trace = (cov[..., 0, 0] + cov[..., 1, 1]) / 2
    det = cov[..., 0, 0] * cov[..., 1, 1] - cov[..., 0, 1] ** 2
    root = np.sqrt(np.maximum(half_trace**2 - det, 0.0))
    major = np.sqrt(np.maximum(half_trace + root, 0.0))
    minor = np.sqrt(np.maximum(half_trace - root, 0.0))
    spread = np.sqrt(2 * half_trace)
    with np.errstate(invalid='ignore', divide='ignore'):
        thickness = np.where(major > 0, minor / major, 0.0)
    return spread, thickness


def check_face_points(points, image_size=None, where=None):
    """Five image points as float64 ``(5, 2)``, checked for alignment.

    Raises :class:`AlignmentError` if they are not 5 x 2, not finite, (with
    ``image_size``, ``(w, h)``) all outside the image or any farther outside
    it than its larger side (a face cut by the border is fine), or
    coincident / collinear (:data:`MIN_SPREAD`, :data:`MIN_THICKNESS`).
    """
    points = np.asarray(points, dtype=np.float64)
    if points.ndim == 1 and points.size % 2 == 0:  # flat x0, y0, x1, ...
        points = points.reshape(-1, 2)
    if points.shape != (5, 2):
        raise AlignmentError('bad_shape', f'expected 5 landmarks (5x2), got '
                             f'{points.shape}', where)
    if not np.isfinite(points).all():
        raise AlignmentError('non_finite', 'landmarks contain NaN or inf',
                             where)
    if image_size is not None:
        _check_inside(points, *_wh(image_size), where)
    spread, thickness = spread_and_thickness(points)
    if spread < MIN_SPREAD:
        raise AlignmentError('degenerate', 'the 5 points are (nearly) '
                             f'coincident: spread {spread:.3g} px < '
                             f'{MIN_SPREAD} px', where)
    if thickness < MIN_THICKNESS:
        raise AlignmentError('degenerate', 'the 5 points are (nearly) '
                             f'collinear: width/length {thickness:.3g} < '
                             f'{MIN_THICKNESS}', where)
    return points


def _check_inside(points, w, h, where):
    # pixel i covers [i - 0.5, i + 0.5]: the image is [-0.5, w - 0.5] x ...
    low, high = np.array([-0.5, -0.5]), np.array([w - 0.5, h - 0.5])
    beyond = np.maximum(low - points, points - high).max()
    if beyond > max(w, h):
        raise AlignmentError('outside_image', f'landmarks up to {beyond:.3g}'
                             f' px far outside the {w}x{h} image', where)
    if ((points < low) | (points > high)).any(axis=1).all():
        raise AlignmentError('outside_image', 'all 5 points outside the '
                             f'{w}x{h} image: the face is not in it', where)


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

    Raises:
        AlignmentError: Mismatched or non-finite points, coincident
            ``src`` points, or a scale beyond :data:`MAX_ZOOM` either way.
    """
    src = np.asarray(src, dtype=np.float64).reshape(-1, 2)
    dst = np.asarray(dst, dtype=np.float64).reshape(-1, 2)
    if src.shape != dst.shape or len(src) < 2:
        raise AlignmentError(
            'bad_shape', f'need two matching sets of >= 2 points, got '
            f'{src.shape} and {dst.shape}')
    if not (np.isfinite(src).all() and np.isfinite(dst).all()):
        raise AlignmentError('non_finite', 'landmarks contain NaN or inf')
    if np.ptp(src, axis=0).max() <= 1e-12 * max(1.0, np.abs(src).max()):
        raise AlignmentError('degenerate', 'the source points coincide')
    n = len(src)
    design = np.zeros((2 * n, 4))
    design[0::2] = np.stack(
        [src[:, 0], -src[:, 1], np.ones(n), np.zeros(n)], 1)
    design[1::2] = np.stack(
        [src[:, 1], src[:, 0], np.zeros(n), np.ones(n)], 1)
    (a, b, tx, ty), *_ = np.linalg.lstsq(design, dst.reshape(-1), rcond=None)
    zoom = np.hypot(a, b)
    if not 1.0 / MAX_ZOOM <= zoom <= MAX_ZOOM:
        raise AlignmentError(
            'absurd_scale', f'the fit scales by {zoom:.3g}, beyond '
            f'[1/{MAX_ZOOM:g}, {MAX_ZOOM:g}]: points of {np.ptp(src):.3g} '
            'px are not a face in an image')
    return np.array([[a, -b, tx], [b, a, ty], [0.0, 0.0, 1.0]])


def align_matrix(points5, size, scale=1.0, image_size=None, where=None):
    """Image pixels -> aligned ``size`` canvas, face at ``scale``.

    Args:
        points5 (array): Five landmarks in image pixels, ``(5, 2)``.
        size (int | tuple[int, int]): Canvas size.
        scale (float): Face scale on the canvas.
        image_size (tuple[int, int], optional): The image's ``(w, h)``: a
            face not in it is refused.
        where (str, optional): What the points are (file, face), for
            messages.

    Raises:
        AlignmentError: See :func:`check_face_points` and
            :func:`estimate_similarity`.
    """
    points5 = check_face_points(points5, image_size, where)
    try:
        return estimate_similarity(points5, mean_face_points(size, scale))
    except AlignmentError as err:
        raise AlignmentError(err.reason, str(err), where) from None


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
