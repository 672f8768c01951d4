"""Small 2-D curve helpers shared by the face geometry.

All shapes of the synthetic face are float polygons in *template* units (the
512 x 512 canvas of FaRL's mean-face template); they are only rounded when
rasterised, so landmarks and region borders come from the same numbers.
"""
import numpy as np


def catmull_rom(points, closed=True, per_segment=6):
    """A smooth curve that passes exactly through every control point.

    Passing through the points (unlike a B-spline) is what lets a landmark
    be a control point and still lie on the drawn border.

    Args:
        points (array-like): ``(N, 2)`` control points.
        closed (bool): Whether the curve wraps from the last point back to the
            first.
        per_segment (int): Samples per segment, the control point included.

    Returns:
        np.ndarray: ``(M, 2)`` float64 points, starting with ``points[0]``.
    """
    p = np.asarray(points, dtype=np.float64)
    if closed:
        ext = np.concatenate([p[-1:], p, p[:2]])
    else:
        ext = np.concatenate([2 * p[:1] - p[1:2], p, 2 * p[-1:] - p[-2:-1]])
    p0, p1, p2, p3 = ext[:-3], ext[1:-2], ext[2:-1], ext[3:]  # (S, 2)
    w = _cr_weights(per_segment)  # (K, 4)
    out = (w[:, None, 0, None] * p0 + w[:, None, 1, None] * p1
           + w[:, None, 2, None] * p2 + w[:, None, 3, None] * p3)  # (K, S, 2)
    out = out.transpose(1, 0, 2).reshape(-1, 2)
    return out if closed else np.concatenate([out, p[-1:]])


_CR_CACHE = {}


def _cr_weights(k):
    """Catmull-Rom basis weights of ``k`` samples per segment, ``(k, 4)``."""
    if k not in _CR_CACHE:
        t = np.arange(k, dtype=np.float64) / k
        _CR_CACHE[k] = 0.5 * np.stack([-t + 2 * t**2 - t**3,
                                       2 - 5 * t**2 + 3 * t**3,
                                       t + 4 * t**2 - 3 * t**3,
                                       -t**2 + t**3], 1)
    return _CR_CACHE[k]


_CIRCLES = {}


def _unit_circle(num):
    """Cached ``(cos t, sin t)`` of ``num`` angles evenly spaced over 2 pi."""
    if num not in _CIRCLES:
        t = np.linspace(0, 2 * np.pi, num, endpoint=False)
        _CIRCLES[num] = np.cos(t), np.sin(t)
    return _CIRCLES[num]


def ellipse(center, axes, angle_deg=0.0, num=32):
    """Polygon of an ellipse rotated by ``angle_deg`` (image y points down)."""
    cos, sin = _unit_circle(num)
    a = np.deg2rad(angle_deg)
    x, y = axes[0] * cos, axes[1] * sin
    return np.stack([center[0] + x * np.cos(a) - y * np.sin(a),
                     center[1] + x * np.sin(a) + y * np.cos(a)], axis=1)


def superellipse(center, axes, power=2.0, num=40):
    """Rounded-rectangle-like lens shape; ``power=2`` is an ellipse."""
    c, s = _unit_circle(num)
    e = 2.0 / power
    return np.stack([center[0] + axes[0] * np.sign(c) * np.abs(c) ** e,
                     center[1] + axes[1] * np.sign(s) * np.abs(s) ** e], 1)


def apply_affine(points, matrix):
    """Map ``(N, 2)`` points through a ``(2, 3)`` affine matrix."""
    p = np.asarray(points, dtype=np.float64)
    return p @ matrix[:, :2].T + matrix[:, 2]


def pose_matrix(size, angle_deg, scale, shift, squash, center=(256., 256.)):
    """Template-to-image affine of a face pose.

    The face is squashed horizontally about its centre (a cheap stand-in for
    yaw), scaled, rotated in-plane and moved so the template centre lands at
    the image centre plus ``shift`` (a fraction of ``size``).

    Args:
        size (int): Output image side in pixels.
        angle_deg (float): In-plane rotation, counter-clockwise as seen on
            screen (OpenCV's convention).
        scale (float): 1.0 maps the 512 template canvas onto the image.
        shift (tuple[float, float]): Translation as a fraction of ``size``.
        squash (float): Horizontal scale factor in ``(0, 1]``.
        center (tuple[float, float]): Template point that is the pose centre.

    Returns:
        np.ndarray: ``(2, 3)`` float64 matrix.
    """
    k = scale * size / 512.0
    a = np.deg2rad(angle_deg)
    rot = np.array([[np.cos(a), np.sin(a)], [-np.sin(a), np.cos(a)]])
    lin = rot @ np.diag([k * squash, k])
    dst = np.array([size / 2 + shift[0] * size, size / 2 + shift[1] * size])
    return np.concatenate([lin, (dst - lin @ np.asarray(center))[:, None]], 1)
