"""Brows, eyes, nose and mouth: their polygons and their LaPa-106 landmarks.

Each feature is built from a few parametric curves; the landmarks are points
*of those curves* (corners, quarter points, the pupil centre) and the
polygons are denser samplings of the same curves that include the landmark
parameters, so a landmark sits exactly on the border it names.

Landmark order is LaPa's 106 layout (the WFLW-like order mmpose's ``lapa``
metadata encodes): 33-41 left brow (upper edge outer->inner, then lower edge
inner->outer), 42-50 right brow (upper inner->outer, lower outer->inner),
51-54 nose bridge down to the tip, 55-65 lower nose contour left->right
(60 the bottom centre), 66-74 left eye (66 outer corner, 67-69 upper lid,
70 inner corner, 71-73 lower lid, 74 centre), 75-83 right eye (75 inner
corner, 76-78 upper, 79 outer corner, 80-82 lower, 83 centre), 84-95 outer
lips (84/90 corners, 85-89 upper, 91-95 lower right->left), 96-103 inner lips
(96/100 inner corners, 97-99 upper, 101-103 lower), 104/105 pupils. "Left"
is the image left of the upright face. The placement of 55-65 along the
nose wings is this generator's reading of the layout, not a measured one.
"""
import numpy as np

from .curves import catmull_rom, ellipse
from .layers import Layer
from .raster import Op

# Curves are sampled once on fixed grids that contain every landmark
# parameter; landmarks are then rows of those samples.
_Q = np.linspace(0, 1, 17)  # eyes and brows: quarters at rows 4, 8, 12
_SIN_Q = np.sin(np.pi * _Q)
_EYE_UP, _EYE_LO = _SIN_Q ** 0.7, _SIN_Q ** 0.9
_U = np.linspace(0, 1, 25)  # lips: sixths every 4 rows, quarters every 6
_EPS = 2  # row of the inner mouth corners' parameter, 1/12
_SIN_U = np.sin(np.pi * _U)
_GAP = np.sin(np.pi * np.clip((_U - _U[_EPS]) / (1 - 2 * _U[_EPS]), 0, 1)
              ) ** 0.7
_BOW = _SIN_U ** 0.6 * (1 - 0.3 * np.exp(-((_U - .5) / .08) ** 2))
_LOWER_LIP = _SIN_U ** 0.6
_UP = np.array([0., 1.])


def _lerp(a, b, u):
    a = np.asarray(a, np.float64)
    return a + (np.asarray(b, np.float64) - a) * u[:, None]


def _eye(p, center, left):
    """One eye, its iris/pupil/lid ops and its nine contour landmarks."""
    ex, ey = center
    y0 = ey + (p.eye_hu - p.eye_hl) / 2  # corner line: opening centred on ey
    t = p.eye_tilt / 2 * (1 if left else -1)  # outer corner sits higher
    line = _lerp((ex - p.eye_w / 2, y0 - t), (ex + p.eye_w / 2, y0 + t), _Q)
    upper = line - _UP * (p.eye_hu * _EYE_UP)[:, None]
    lower = line + _UP * (p.eye_hl * _EYE_LO)[:, None]
    pts = np.concatenate([upper[::4], lower[12:0:-4], [[ex, ey]]])
    pupil = np.array([ex + p.gaze_x * p.eye_w, ey + p.gaze_y])
    ri = p.iris * p.eye_w
    white, iris, dot, lid = ((Layer.L_EYE, Layer.L_IRIS, Layer.L_PUPIL,
                              Layer.L_LID) if left else
                             (Layer.R_EYE, Layer.R_IRIS, Layer.R_PUPIL,
                              Layer.R_LID))
    ops = [
        Op(white, 'fill', np.concatenate([upper, lower[-2:0:-1]])),
        Op(iris, 'clip', ellipse(pupil, (ri, ri)), over=(white,)),
        Op(dot, 'clip', ellipse(pupil, (ri * p.pupil,) * 2, num=20),
           over=(white, iris)),
        Op(white, 'clip', ellipse(pupil - 0.4 * ri, (0.2 * ri,) * 2, num=12),
           over=(iris, dot)),
        Op(lid, 'line', upper, width=2.4),
    ]
    return pts, pupil, upper, ops


def _brow(p, eye_center, left, male):
    """One brow polygon and its 5 upper + 4 lower landmarks, LaPa order."""
    ex, ey = eye_center
    inward = 1 if left else -1  # +x points to the face centre for the left
    inner = np.array([ex + inward * (p.eye_w / 2 + p.brow_inner),
                      ey - p.brow_gap + 2])
    outer = np.array([inner[0] - inward * p.brow_len, ey - p.brow_gap + 8])
    thick = p.brow_thick * (1.3 if male else 1.0)
    # v runs from the outer tip (0) to the inner end (1); arch peaks early.
    c = _lerp(outer, inner, _Q)
    c[:, 1] -= p.brow_arch * np.sin(np.pi * _Q ** 0.8)
    d = (inner - outer) / np.linalg.norm(inner - outer)
    n = np.array([d[1], -d[0]])
    n = -n if n[1] > 0 else n  # the normal that points up
    half = n * (thick * (0.3 + 0.7 * _Q ** 0.6) / 2)[:, None]
    upper, lower = c + half, c - half
    poly = np.concatenate([upper, lower[::-1]])
    if left:  # image-left brow: its outer tip is the image-left end
        pts = np.concatenate([upper[::4], lower[16:0:-4]])
    else:
        pts = np.concatenate([upper[16::-4], lower[4::4]])
    return pts, Op(Layer.L_BROW if left else Layer.R_BROW, 'fill', poly)


def _nose(p, yaw):
    """Nose region (bridge to nostrils): landmarks 51-65 and its ops."""
    top, tip = p.eye_y + 2, p.eye_y + p.nose_len
    w = p.nose_w

    def x(f):  # the nose leans with yaw, the tip most
        return 256 + yaw * (4 + 8 * f)

    bridge = [[x(f), top + f * (tip - top)] for f in (0, 1 / 3, 2 / 3, 1)]
    xt = x(1)
    half = [(-0.45 * w, p.eye_y + 0.6 * (tip - p.eye_y), x(0.6) - xt),
            (-0.8 * w, tip - 7, 0), (-w, tip + 4, 0), (-0.8 * w, tip + 12, 0),
            (-0.4 * w, tip + 13, 0)]
    left = [[xt + dx + off, y] for dx, y, off in half]
    right = [[xt - dx + off, y] for dx, y, off in half[::-1]]
    lower = np.array(left + [[xt, tip + 15]] + right)
    outline = np.concatenate([[[x(0) - 6, top]], lower, [[x(0) + 6, top]]])
    ops = [Op(Layer.NOSE, 'fill', catmull_rom(outline, per_segment=5))]
    for side in (-1, 1):
        ops.append(Op(Layer.NOSTRIL, 'clip',
                      ellipse((xt + side * 0.45 * w, tip + 8.5),
                              (0.26 * w, 3.2), side * 18, num=16),
                      over=(Layer.NOSE,)))
    return np.concatenate([bridge, lower]), ops


def _mouth(p, attrs, yaw):
    """Lips and inner mouth: landmarks 84-103, their ops, and key points.

    ``mid`` is where closed lips meet (corners raised by the smile); the
    opening parts it symmetrically between the inner corners, the upper lip
    (with a cupid's-bow dip) and the lower lip are stacked outside it.
    """
    smiling, opened = attrs['Smiling'], attrs['Mouth_Slightly_Open']
    mx, my = 256 + yaw * 9, p.eye_y + p.mouth_dy
    hw = p.mouth_hw * (1.12 if smiling else 1.0)
    lift = p.smile if smiling else p.rest_smile
    gap = p.mouth_open if opened else 0.0
    mid = np.stack([mx - hw + 2 * hw * _U, my - lift * (1 - _SIN_U)], 1)
    up_in = mid - _UP * (gap / 2 * _GAP)[:, None]
    lo_in = mid + _UP * (gap / 2 * _GAP)[:, None]
    up_out = up_in - _UP * (p.lip_up * _BOW)[:, None]
    lo_out = lo_in + _UP * (p.lip_lo * _LOWER_LIP)[:, None]
    e = _EPS
    pts = np.concatenate([up_out[0:25:4], lo_out[20:0:-4], mid[e:e + 1],
                          up_in[6:19:6], mid[-e - 1:-e], lo_in[18:5:-6]])
    # The lower lip is the thicker one at the corners, so it goes first and
    # the upper lip owns the shared corner segment: both touch the corner.
    ops = [Op(Layer.LOWER_LIP, 'fill', np.concatenate([lo_in, lo_out[::-1]])),
           Op(Layer.UPPER_LIP, 'fill', np.concatenate([up_out, up_in[::-1]]))]
    if gap > 0:
        ops.append(Op(Layer.INNER_MOUTH, 'fill', np.concatenate(
            [up_in[e:-e], lo_in[-e - 1:e - 1:-1]])))
        if smiling:
            top = up_in[e + 2:-e - 2]
            ops.append(Op(Layer.TEETH, 'clip', np.concatenate(
                [top - [0, 2], top[::-1] + [0, 0.45 * gap]]),
                over=(Layer.INNER_MOUTH,)))
    key = dict(center=(mx, my), half_width=hw, lower_bottom=lo_out[12],
               corners=mid[[0, -1]], upper_out=up_out[[7, 12, 17]])
    return pts, ops, key


def build_features(p, attrs):
    """All inner features of a face in template coordinates.

    Args:
        p (FaceParams): Shape parameters.
        attrs (dict[str, int]): Normalised attributes (smile, open mouth).

    Returns:
        dict: ``points`` (106-slot float array, jaw rows 0-32 left zero for
        :mod:`.head`), ``ops`` (brows, eyes, nose, mouth in z-order),
        ``lids`` (upper-lid curves, left then right), ``brow_top`` (smallest
        brow y) and ``mouth`` (key points for the mustache and beard).
    """
    yaw = p.yaw
    points = np.zeros((106, 2), np.float64)
    centers = [(256 - p.eye_dist / 2 + yaw * 7, p.eye_y),
               (256 + p.eye_dist / 2 + yaw * 7, p.eye_y)]
    brow_ops = []
    for left, c, sl in ((True, centers[0], slice(33, 42)),
                        (False, centers[1], slice(42, 51))):
        points[sl], op = _brow(p, c, left, attrs['Male'])
        brow_ops.append(op)
    points[51:66], nose_ops = _nose(p, yaw)
    eye_ops, lids = [], []
    for left, c, sl, pi in ((True, centers[0], slice(66, 75), 104),
                            (False, centers[1], slice(75, 84), 105)):
        points[sl], points[pi], lid, ops = _eye(p, c, left)
        eye_ops += ops
        lids.append(lid)
    points[84:104], mouth_ops, mouth = _mouth(p, attrs, yaw)
    return dict(points=points, ops=nose_ops + brow_ops + eye_ops + mouth_ops,
                lids=lids,
                brow_top=min(float(o.points[:, 1].min()) for o in brow_ops),
                mouth=mouth)
