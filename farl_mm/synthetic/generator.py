"""The synthetic face generator: attributes -> geometry -> paint -> sample.

Real face photographs may not enter this repository, yet the parsing,
alignment and attribute pipelines need images whose labels are *exactly*
right to be tested end to end. This generator draws cartoon faces whose
LaPa parsing mask, 106 landmarks, face box, CelebA-named attributes and
caption all come from the one geometry that is painted.
"""
from dataclasses import dataclass, field, replace

import cv2
import numpy as np

from farl_mm.geometry import (LAPA106_TO_5, LAPA106_TO_300W68,
                              LAPA106_TO_AFLW19, LAPA106_TO_WFLW98)

from .attributes import make_caption, normalise_attributes, sample_attributes
from .curves import apply_affine, pose_matrix
from .features import build_features
from .head import (Outline, body_ops, decoration_ops, glasses_ops,
                   hair_front_op, hat_ops)
from .layers import (LAYER_CLASSES, OVERLAY, PALE_TONE, Layer, sample_palette,
                     sample_tone)
from .params import Pose, sample_params, sample_pose
from .photo import apply_photometric
from .raster import Op, rasterise

_CLASS_LUT = np.array([c if c != OVERLAY else 0 for c in LAYER_CLASSES] +
                      [0] * (256 - len(LAYER_CLASSES)), np.uint8)


def _colour_lookup(palette, paint):
    """``palette[paint]`` via ``cv2.LUT``, several times faster."""
    lut = np.zeros((256, 1, 3), np.uint8)
    lut[:len(palette), 0] = palette
    return cv2.LUT(cv2.merge([paint, paint, paint]), lut)
_LAYOUTS = {'lapa106': tuple(range(106)), '5': LAPA106_TO_5,
            '300w': LAPA106_TO_300W68, 'wflw': LAPA106_TO_WFLW98,
            'aflw': LAPA106_TO_AFLW19}
#: Names of :attr:`FaceSample.masks`, CelebAMask-HQ spelling; "l_ear" is
#: the image-left ear, matching LaPa's left classes here.
EXTRA_MASKS = ('eyeglasses', 'hat', 'neck', 'cloth', 'l_ear', 'r_ear')


@dataclass
class FaceSample:
    """One synthetic face and all of its labels.

    Attributes:
        image: ``(H, W, 3)`` uint8, **BGR** (as ``mmcv.imread`` returns).
        parsing: ``(H, W)`` uint8 LaPa class ids, see ``LAPA_CLASSES``.
            Eyeglass frames carry the class of what they cover.
        masks: ``name -> (H, W) bool`` for :data:`EXTRA_MASKS`; each marks
            the visible pixels of that thing (eyeglasses: frames and lenses).
        landmarks106: ``(106, 2)`` float32 ``(x, y)`` image pixels, LaPa
            order (see :mod:`.features`).
        box: ``(4,)`` float32 ``(x1, y1, x2, y2)`` of the face skin outline
            (forehead to chin, cheek to cheek; ears excluded), clipped to
            the image.
        attributes: CelebA attribute name -> 0/1.
        caption: English description built from ``attributes``.
        meta: ``index``, ``seed``, ``pose`` (:class:`Pose`), ``matrix``
            (2x3 template-to-image affine) and ``palette`` (BGR per layer).
    """
    image: np.ndarray
    parsing: np.ndarray
    masks: dict
    landmarks106: np.ndarray
    box: np.ndarray
    attributes: dict
    caption: str
    meta: dict = field(default_factory=dict)

    def landmarks(self, layout='lapa106'):
        """Landmarks in another layout: ``'lapa106'``, ``'5'`` (FaRL's
        alignment points), ``'300w'``, ``'wflw'`` or ``'aflw'``."""
        return self.landmarks106[list(_LAYOUTS[layout])]


class SyntheticFaceGenerator:
    """Deterministic cartoon faces with pixel-exact labels.

    Sample ``index`` of ``seed`` is a pure function of ``(seed, index,
    size)``: its random streams come from ``SeedSequence([seed, index])``,
    so it does not depend on which samples were drawn before, and separate
    streams for attributes, shape, pose, colour, caption and photometry mean
    an override of one (``attributes=``, ``pose=``) leaves the others as
    they were.

    Args:
        size (int): Square output side in pixels.
        seed (int): Seed of the whole sequence.

    Example:
        >>> gen = SyntheticFaceGenerator(size=256, seed=0)
        >>> s = gen.sample(3)
        >>> s.image.shape, s.parsing.max() <= 10, s.landmarks('5').shape
        ((256, 256, 3), True, (5, 2))
    """

    def __init__(self, size=256, seed=0):
        self.size = int(size)
        self.seed = int(seed)

    def __call__(self, index):
        return self.sample(index)

    def sample(self, index, attributes=None, pose=None, flat=False):
        """Draw sample ``index``.

        Args:
            index (int): Sample number, any non-negative int.
            attributes (dict, optional): Attribute overrides, e.g.
                ``{'Bald': 1}``; the result is made consistent (see
                :func:`.attributes.normalise_attributes`).
            pose (dict | Pose, optional): A whole :class:`.params.Pose`,
                or overrides of its fields, e.g. ``{'angle': 0}``.
            flat (bool): Skip the photometric layer, leaving every pixel
                exactly its layer's palette colour (for label checks).

        Returns:
            FaceSample: The image and its labels.
        """
        streams = [np.random.default_rng(s) for s in
                   np.random.SeedSequence([self.seed, int(index)]).spawn(6)]
        r_attr, r_shape, r_pose, r_colour, r_text, r_photo = streams
        tone = sample_tone(r_attr)
        attrs = sample_attributes(r_attr, tone < PALE_TONE)
        attrs = normalise_attributes({**attrs, **(attributes or {})})
        if attrs['Pale_Skin'] != (tone < PALE_TONE):  # follow the override
            tone = (tone * PALE_TONE if attrs['Pale_Skin'] else
                    PALE_TONE + tone * (1 - PALE_TONE))
        params = sample_params(r_shape)
        face_pose = sample_pose(r_pose)
        face_pose = (pose if isinstance(pose, Pose) else
                     replace(face_pose, **(pose or {})))
        palette = sample_palette(r_colour, attrs, tone)
        caption = make_caption(attrs, r_text)

        outline = Outline(params, attrs['Male'])
        feats = build_features(params, attrs)
        points = feats['points']
        points[:33] = outline.jaw()
        ops, overlay = self._draw_list(params, attrs, outline, feats)

        matrix = pose_matrix(self.size, face_pose.angle, face_pose.scale,
                             (face_pose.shift_x, face_pose.shift_y),
                             face_pose.squash)
        px = face_pose.scale * self.size / 512
        paint, extras = rasterise(ops, matrix, self.size, px)
        parsing = cv2.LUT(paint, _CLASS_LUT)
        rasterise(overlay, matrix, self.size, px, paint=paint, extras=extras)
        image = _colour_lookup(palette, paint)
        lens = extras.get('eyeglasses')
        if not flat:
            image = apply_photometric(image, paint, palette, lens, r_photo)

        masks = {'hat': paint == Layer.HAT, 'neck': paint == Layer.NECK,
                 'cloth': paint == Layer.CLOTH, 'l_ear': paint == Layer.L_EAR,
                 'r_ear': paint == Layer.R_EAR,
                 'eyeglasses': paint == Layer.GLASSES}
        if lens is not None:
            masks['eyeglasses'] |= lens.astype(bool)
        skin = apply_affine(outline.polygon(), matrix)
        box = np.concatenate([skin.min(0), skin.max(0)])
        return FaceSample(
            image=image, parsing=parsing, masks=masks,
            landmarks106=apply_affine(points, matrix).astype(np.float32),
            box=np.clip(box, 0, self.size).astype(np.float32),
            attributes=attrs, caption=caption,
            meta=dict(index=int(index), seed=self.seed, pose=face_pose,
                      matrix=matrix, palette=palette))

    @staticmethod
    def _draw_list(p, attrs, outline, feats):
        """Z-ordered ops of the face, and the overlay ops drawn after the
        labels are read (eyeglasses)."""
        bald = attrs['Bald']
        ops = body_ops(p, outline, bald, attrs['Male'])
        ops.append(Op(Layer.SKIN, 'fill', outline.polygon()))
        ops += feats['ops']
        ops += decoration_ops(p, attrs, outline, feats)
        if not bald:
            ops.append(hair_front_op(p, outline, feats['brow_top'],
                                     attrs['Bangs'], attrs['Male']))
        if attrs['Wearing_Hat']:
            ops += hat_ops(p, outline)
        overlay = []
        if attrs['Eyeglasses']:
            centers = [feats['points'][74], feats['points'][83]]
            overlay = glasses_ops(p, outline, centers)
        return ops, overlay
