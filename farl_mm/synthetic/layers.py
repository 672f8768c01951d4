"""Paint layers, their LaPa classes and the per-sample colour palette.

The renderer does not paint colours directly: it paints *layer ids* into one
uint8 map, then looks up the image colour (the palette) and the LaPa class
(:data:`LAYER_CLASSES`) of every pixel from that same map. That is what makes
the parsing mask pixel-exact: a label can only disagree with the picture if
the two lookups did, and they read one array.
"""
from enum import IntEnum

import numpy as np

from .attributes import hair_colour_name

#: LaPa's 11 classes. "left" is the IMAGE left of an upright, unflipped face
#: (the eye with the smaller x in FaRL's mean-face template), the same side
#: as landmark 104 and the 66-74 eye points.
LAPA_CLASSES = ('background', 'skin', 'left_eyebrow', 'right_eyebrow',
                'left_eye', 'right_eye', 'nose', 'upper_lip', 'inner_mouth',
                'lower_lip', 'hair')

#: Class value of a layer that is drawn over the face but has no LaPa class
#: (eyeglass frames): the mask keeps whatever lies under it.
OVERLAY = 255


class Layer(IntEnum):
    """Paint ids, in no particular z-order (the draw list sets that)."""
    BACKGROUND = 0
    CLOTH = 1
    NECK = 2
    HAIR_BACK = 3
    L_EAR = 4
    R_EAR = 5
    SKIN = 6
    BLUSH = 7
    BEARD = 8
    EYE_SHADOW = 9
    MUSTACHE = 10
    NOSE = 11
    NOSTRIL = 12
    L_BROW = 13
    R_BROW = 14
    L_EYE = 15
    L_IRIS = 16
    L_PUPIL = 17
    L_LID = 18
    R_EYE = 19
    R_IRIS = 20
    R_PUPIL = 21
    R_LID = 22
    UPPER_LIP = 23
    INNER_MOUTH = 24
    TEETH = 25
    LOWER_LIP = 26
    HAIR_FRONT = 27
    HAT = 28
    GLASSES = 29


# Ears, beard, mustache, blush and eye shadow lie on the skin and are skin in
# LaPa; the hat, neck and clothes are not face and are background.
_CLASS_OF = {
    Layer.BACKGROUND: 0, Layer.CLOTH: 0, Layer.NECK: 0, Layer.HAT: 0,
    Layer.HAIR_BACK: 10, Layer.HAIR_FRONT: 10,
    Layer.L_EAR: 1, Layer.R_EAR: 1, Layer.SKIN: 1, Layer.BLUSH: 1,
    Layer.BEARD: 1, Layer.EYE_SHADOW: 1, Layer.MUSTACHE: 1,
    Layer.NOSE: 6, Layer.NOSTRIL: 6, Layer.L_BROW: 2, Layer.R_BROW: 3,
    Layer.L_EYE: 4, Layer.L_IRIS: 4, Layer.L_PUPIL: 4, Layer.L_LID: 4,
    Layer.R_EYE: 5, Layer.R_IRIS: 5, Layer.R_PUPIL: 5, Layer.R_LID: 5,
    Layer.UPPER_LIP: 7, Layer.INNER_MOUTH: 8, Layer.TEETH: 8,
    Layer.LOWER_LIP: 9, Layer.GLASSES: OVERLAY,
}
#: ``LAYER_CLASSES[layer]`` is the LaPa class id of a paint layer.
LAYER_CLASSES = tuple(_CLASS_OF[layer] for layer in Layer)

# BGR anchors; skin tones run from pale to dark.
_SKIN_TONES = np.array([[205, 222, 248], [150, 185, 232], [110, 150, 205],
                        [75, 110, 165], [50, 75, 115]], np.float64)
_HAIR = {'Black_Hair': (28, 26, 30), 'Brown_Hair': (30, 62, 105),
         'Blond_Hair': (120, 200, 232), 'Gray_Hair': (180, 180, 178)}
_IRIS = np.array([[30, 60, 100], [160, 110, 60], [80, 130, 70],
                  [25, 35, 50]], np.float64)
#: Skin-tone draws below this count as Pale_Skin.
PALE_TONE = 0.12


def _blend(a, b, t):
    return np.asarray(a, np.float64) * (1 - t) + np.asarray(b, np.float64) * t


def sample_tone(rng):
    """Position along the pale-to-dark skin ramp, in ``[0, 1]``."""
    return float(rng.random())


def sample_palette(rng, attrs, tone):
    """BGR colour of every layer for one face.

    Args:
        rng (np.random.Generator): The sample's colour stream.
        attrs (dict[str, int]): Normalised attributes (hair colour, makeup).
        tone (float): Skin tone from :func:`sample_tone`.

    Returns:
        np.ndarray: ``(len(Layer), 3)`` uint8, all rows distinct so a pixel's
        colour in the flat render identifies its layer.
    """
    j = rng.uniform(-1, 1, size=(16, 3))
    pos = tone * (len(_SKIN_TONES) - 1)
    lo = int(min(pos, len(_SKIN_TONES) - 2))
    skin = _blend(_SKIN_TONES[lo], _SKIN_TONES[lo + 1], pos - lo) + 6 * j[0]
    hair_name = hair_colour_name(attrs) or 'Brown_Hair'
    hair = np.asarray(_HAIR[hair_name], np.float64) + 12 * j[1]
    brow = _blend(hair, (20, 20, 25), 0.5 if attrs['Bald'] else 0.35)
    lip = _blend(skin, (70, 60, 190), 0.35) * 0.85
    if attrs['Wearing_Lipstick']:
        lip = np.array([(60, 30, 200), (90, 40, 170), (50, 20, 140)][
            int(rng.integers(3))], np.float64) + 15 * j[2]
    p = np.zeros((len(Layer), 3), np.float64)
    p[Layer.BACKGROUND] = rng.uniform(40, 230, 3)
    p[Layer.CLOTH] = rng.uniform(20, 235, 3)
    p[Layer.HAT] = rng.uniform(20, 235, 3)
    p[Layer.GLASSES] = [(20, 20, 20), (40, 40, 140), (90, 60, 30),
                        (160, 160, 165)][int(rng.integers(4))]
    p[Layer.SKIN] = skin
    p[Layer.NECK] = skin * 0.82
    p[Layer.L_EAR] = p[Layer.R_EAR] = skin * 0.93
    p[Layer.BLUSH] = _blend(skin, (120, 110, 235), 0.3)
    p[Layer.BEARD] = _blend(skin, hair * 0.6, 0.55)
    p[Layer.MUSTACHE] = _blend(hair * 0.7, skin, 0.15)
    p[Layer.EYE_SHADOW] = _blend(skin, rng.uniform(40, 200, 3), 0.5)
    p[Layer.NOSE] = skin * 0.87
    p[Layer.NOSTRIL] = skin * 0.45
    p[Layer.L_BROW] = p[Layer.R_BROW] = brow
    p[Layer.L_EYE] = p[Layer.R_EYE] = (238, 242, 245)
    iris = _blend(_IRIS[int(rng.integers(len(_IRIS)))], 128, 0.1)
    p[Layer.L_IRIS] = p[Layer.R_IRIS] = iris
    p[Layer.L_PUPIL] = p[Layer.R_PUPIL] = (12, 12, 14)
    p[Layer.L_LID] = p[Layer.R_LID] = skin * 0.3
    p[Layer.UPPER_LIP] = lip * 0.88
    p[Layer.LOWER_LIP] = lip
    p[Layer.INNER_MOUTH] = (45, 35, 110)
    p[Layer.TEETH] = (225, 238, 242)
    p[Layer.HAIR_BACK] = hair * 0.85
    p[Layer.HAIR_FRONT] = hair
    return _distinct(np.clip(np.round(p), 0, 255).astype(np.uint8))


def _distinct(palette):
    """Nudge repeated colours (blue +-1, +-2, ...) until all are unique.

    Paired layers (left/right eye, iris, brow, ear) always start equal; the
    one-level nudge is invisible but lets a flat render's colour name its
    layer, which is what the pixel-exactness check relies on.
    """
    packed = palette.astype(np.int64) @ np.array([1, 256, 65536])
    _, first = np.unique(packed, return_index=True)
    if len(first) == len(packed):
        return palette
    seen = set(packed.tolist())
    for i in sorted(set(range(len(packed))) - set(first.tolist())):
        rest, blue = int(packed[i]) & ~0xFF, int(packed[i]) & 0xFF
        steps = (d * s for d in range(1, 256) for s in (1, -1))
        c = next(rest | (blue + d) for d in steps
                 if 0 <= blue + d < 256 and rest | (blue + d) not in seen)
        seen.add(c)
        palette[i] = (c & 0xFF, (c >> 8) & 0xFF, c >> 16)
    return palette
