"""Everything around the inner features: head outline (and the 33 jaw
landmarks on it), ears, neck, clothes, hair, hat, eyeglasses, and the
attribute decorations painted on the skin (beard, mustache, makeup, blush).

All coordinates are template units; see :mod:`.params`.
"""
import numpy as np

from .curves import catmull_rom, ellipse, superellipse
from .layers import Layer
from .raster import Op

_JAW_STEP = 3  # outline samples per jaw-landmark interval


class Outline:
    """The skin border of the head: two half-ellipses (forehead and jaw)
    with the lower one tapered towards the chin, squarer for men.

    The 33 jaw landmarks are samples of this very curve, every
    ``_JAW_STEP``-th vertex of the skin polygon, from the image-left side
    (just above eye level) down round the chin (index 16) to the image-right
    side.
    """

    def __init__(self, p, male):
        self.a = p.face_a
        self.yc = p.eye_y + 10
        self.chin = p.eye_y + p.mouth_dy + p.chin_dy
        self.b_up, self.b_lo = self.yc - p.forehead_top, self.chin - self.yc
        self.taper, self.power = p.jaw_taper, 3.0 if male else 2.2
        delta = np.arcsin(14 / self.b_up)
        self.jaw_t = np.linspace(np.pi + delta, -delta, 32 * _JAW_STEP + 1)
        self.top_t = np.linspace(-delta, -np.pi + delta, 40)[1:-1]

    def at(self, t):
        s, c = np.sin(t), np.cos(t)
        taper = 1 - self.taper * np.clip(s, 0, None) ** self.power
        y = self.yc + np.where(s > 0, self.b_lo, self.b_up) * s
        return np.stack([256 + self.a * c * taper, y], 1)

    def polygon(self):
        return self.at(np.concatenate([self.jaw_t, self.top_t]))

    def jaw(self):
        return self.at(self.jaw_t[::_JAW_STEP])


def body_ops(p, outline, bald, male):
    """Clothes, back hair, neck and ears, drawn before the face skin."""
    a, chin = outline.a, outline.chin
    hw, nl = a * p.neck_w, chin + p.neckline
    ops = [Op(Layer.CLOTH, 'fill', catmull_rom(
        [(256 - 3.4 * a, 1100), (256 - 2.4 * a, chin + 170),
         (256 - 1.5 * a, chin + 85), (256 - 1.1 * hw, nl - 20),
         (256 + 1.1 * hw, nl - 20), (256 + 1.5 * a, chin + 85),
         (256 + 2.4 * a, chin + 170), (256 + 3.4 * a, 1100)]))]
    if not bald:
        ops.append(Op(Layer.HAIR_BACK, 'fill', _hair_back(p, outline, male)))
    ops.append(Op(Layer.NECK, 'fill', np.array(
        [(256 - hw, outline.yc + 0.4 * outline.b_lo),
         (256 + hw, outline.yc + 0.4 * outline.b_lo), (256 + 1.08 * hw, nl),
         (256 + 0.6 * hw, nl + 16), (256, nl + 22), (256 - 0.6 * hw, nl + 16),
         (256 - 1.08 * hw, nl)])))
    for side, layer in ((-1, Layer.L_EAR), (1, Layer.R_EAR)):
        ear = ellipse((256 + side * 1.0 * a, p.eye_y + p.ear_dy),
                      (14, p.ear_h), side * 8, num=24)
        ops.append(Op(layer, 'fill', ear))
    return ops


def _hair_top(p, outline):
    """Outer border of the hair over the skull, image-left to right."""
    big_a = outline.a + p.hair_volume
    big_b = outline.yc - (p.forehead_top - 1.6 * p.hair_volume)
    return big_a, big_b


def _hair_arc(p, outline, t):
    big_a, big_b = _hair_top(p, outline)
    return np.stack([256 + big_a * np.cos(t), outline.yc + big_b * np.sin(t)],
                    1)


def _hair_back(p, outline, male):
    big_a, _ = _hair_top(p, outline)
    arc = _hair_arc(p, outline, np.linspace(np.pi, 2 * np.pi, 33))
    end = outline.yc + 12 if male else outline.chin + p.hair_len
    mid = (outline.yc + end) / 2
    sides = [(256 + 1.04 * big_a, mid), (256 + 0.96 * big_a, end),
             (256 + 0.4 * big_a, end + 8), (256 - 0.4 * big_a, end + 8),
             (256 - 0.96 * big_a, end), (256 - 1.04 * big_a, mid)]
    return np.concatenate([arc, sides])


def hair_front_op(p, outline, brow_top, bangs, male):
    """Hair over the forehead: skull arc down to the temples, back along the
    hairline (or a fringe kept above the brows when ``bangs``)."""
    _, big_b = _hair_top(p, outline)
    temple_y = p.eye_y - 22
    t0 = np.pi + np.arcsin((outline.yc - temple_y) / big_b)
    arc = _hair_arc(p, outline, np.linspace(t0, 3 * np.pi - t0, 33))
    a, part = outline.a, p.hair_part
    if bangs:
        y = brow_top - p.bangs_lift
        line = [(256 + 0.97 * a, y + 4), (256 + 0.6 * a, y),
                (256 + 0.3 * part, y + 3), (256 - 0.6 * a, y),
                (256 - 0.97 * a, y + 4)]
    else:
        hl, recede = p.hairline, 12 if male else 24
        line = [(256 + 0.8 * a, hl + recede), (256 + 0.45 * a, hl + 6),
                (256 + part, hl), (256 - 0.45 * a, hl + 6),
                (256 - 0.8 * a, hl + recede)]
    hairline = catmull_rom([arc[-1]] + line + [arc[0]], closed=False)
    return Op(Layer.HAIR_FRONT, 'fill', np.concatenate([arc, hairline[1:-1]]))


def hat_ops(p, outline):
    """Crown and brim; the crown always reaches over the hair."""
    a, brim = outline.a, p.hat_brim
    _, big_b = _hair_top(p, outline)
    top = min(brim - p.hat_crown, outline.yc - big_b - 8)
    crown = catmull_rom([(256 - 1.06 * a, brim), (256 - a, brim - 0.6 * (
        brim - top)), (256 - 0.7 * a, top), (256 + 0.7 * a, top),
        (256 + a, brim - 0.6 * (brim - top)), (256 + 1.06 * a, brim)])
    rim = ellipse((256, brim + 3), (a * p.hat_width, 12), num=40)
    return [Op(Layer.HAT, 'fill', crown), Op(Layer.HAT, 'fill', rim)]


def glasses_ops(p, outline, eye_centers):
    """Frames (painted, no LaPa class) and lens areas (the eyeglasses mask,
    frames plus lenses, as CelebAMask-HQ's ``eye_g`` covers both)."""
    lw = p.eye_w * p.lens_w
    lh = lw * p.lens_aspect
    ops = []
    for (ex, ey), side in zip(eye_centers, (-1, 1)):
        lens = superellipse((ex, ey), (lw, lh), p.lens_power)
        ops += [Op(Layer.GLASSES, 'ring', lens, width=p.frame),
                Op(Layer.GLASSES, 'extra', lens, over='eyeglasses'),
                Op(Layer.GLASSES, 'line', np.array(
                    [(ex + side * lw * 0.98, ey - 0.2 * lh),
                     (256 + side * 1.01 * outline.a, p.eye_y - 4)]),
                   width=p.frame)]
    (lx, ly), (rx, ry) = eye_centers
    ops.append(Op(Layer.GLASSES, 'line', catmull_rom(
        [(lx + 0.97 * lw, ly - 0.3 * lh), ((lx + rx) / 2, (ly + ry) / 2 -
                                           0.5 * lh),
         (rx - 0.97 * lw, ry - 0.3 * lh)], closed=False), width=p.frame))
    return ops


def decoration_ops(p, attrs, outline, feats):
    """Beard, mustache, eye shadow and blush, clipped to the bare skin so
    they never cover a feature (all are skin in LaPa)."""
    ops, skin = [], (Layer.SKIN,)
    mouth, a = feats['mouth'], outline.a
    (mx, my), hw = mouth['center'], mouth['half_width']
    if not attrs['No_Beard']:
        jaw = outline.at(outline.jaw_t[5 * _JAW_STEP:27 * _JAW_STEP + 1])
        inner = catmull_rom(
            [jaw[-1], (256 + 0.72 * a, p.eye_y + 80), (mx + hw + 10, my - 2),
             (mx, mouth['lower_bottom'][1] + 9), (mx - hw - 10, my - 2),
             (256 - 0.72 * a, p.eye_y + 80), jaw[0]], closed=False)
        ops.append(Op(Layer.BEARD, 'clip', np.concatenate([jaw, inner[1:-1]]),
                      over=skin))
    if attrs['Mustache']:
        (l_x, l_y), (r_x, r_y) = mouth['corners']
        q = mouth['upper_out']  # upper-lip top at u = 0.29, 0.5, 0.71
        top, bottom = q - [[0, 13], [0, 15], [0, 13]], q[::-1] + [0, 2]
        ops.append(Op(Layer.MUSTACHE, 'clip', catmull_rom(
            [(l_x - 8, l_y + 9), *top, (r_x + 8, r_y + 9), *bottom]),
            over=skin + (Layer.BEARD,)))
    if attrs['Heavy_Makeup']:
        for lid in feats['lids']:
            raised = lid - [0, 1] * (2 + 9 * np.sin(np.linspace(
                0, np.pi, len(lid))) ** 0.8)[:, None]
            ops.append(Op(Layer.EYE_SHADOW, 'clip',
                          np.concatenate([lid, raised[::-1]]), over=skin))
    if attrs['Rosy_Cheeks']:
        for side in (-1, 1):
            ops.append(Op(Layer.BLUSH, 'clip', ellipse(
                (256 + side * 0.56 * a + 6 * p.yaw, p.eye_y + 62), (22, 13)),
                over=skin))
    return ops
