"""Continuous shape and pose parameters of one synthetic face.

Every parameter is drawn unconditionally and in a fixed order, whatever the
attributes are: overriding an attribute (say ``Bald=1``) then changes only
what that attribute draws, never the shape of the eyes or the pose.

Units are those of FaRL's 512 x 512 mean-face template, whose five points
are eyes (196, 226) / (316, 226), nose tip (256, 286) and mouth corners
(220, 360.4) / (292, 360.4); the defaults scatter around those.
"""
from dataclasses import dataclass, fields

import numpy as np

# name: (low, high) of a uniform draw, in template units unless noted.
_RANGES = dict(
    eye_y=(218, 232), eye_dist=(110, 130), eye_w=(44, 54), eye_hu=(9.5, 13),
    eye_hl=(6, 8.5), eye_tilt=(-1, 4), iris=(0.2, 0.24), pupil=(0.4, 0.5),
    gaze_x=(-0.1, 0.1), gaze_y=(-1.2, 1.2),
    brow_gap=(27, 35), brow_len=(54, 66), brow_inner=(2, 9),
    brow_thick=(8, 13), brow_arch=(3, 9),
    nose_len=(52, 66), nose_w=(16, 22),
    mouth_dy=(128, 144), mouth_hw=(30, 40), lip_up=(7, 10), lip_lo=(9, 13),
    mouth_open=(10, 20), smile=(6, 10), rest_smile=(-1, 2),
    face_a=(118, 134), chin_dy=(62, 80), jaw_taper=(0.15, 0.35),
    forehead_top=(58, 78),
    hair_volume=(8, 22), hair_len=(40, 170), hairline=(118, 148),
    hair_part=(-40, 40), bangs_lift=(6, 12),
    hat_brim=(112, 130), hat_crown=(70, 110), hat_width=(1.3, 1.55),
    ear_dy=(20, 40), ear_h=(28, 36), neck_w=(0.42, 0.52), neckline=(50, 80),
    lens_w=(0.62, 0.75), lens_aspect=(0.65, 0.9), lens_power=(2, 5),
    frame=(2.5, 4.5), yaw=(-1, 1),
)
_POSE_RANGES = dict(angle=(-30, 30), scale=(0.72, 1.0), shift_x=(-0.06, 0.06),
                    shift_y=(-0.05, 0.06), squash=(0.86, 1.0))


@dataclass
class FaceParams:
    """Shape of one face; see ``_RANGES`` for what each field spans."""
    eye_y: float
    eye_dist: float
    eye_w: float
    eye_hu: float
    eye_hl: float
    eye_tilt: float
    iris: float
    pupil: float
    gaze_x: float
    gaze_y: float
    brow_gap: float
    brow_len: float
    brow_inner: float
    brow_thick: float
    brow_arch: float
    nose_len: float
    nose_w: float
    mouth_dy: float
    mouth_hw: float
    lip_up: float
    lip_lo: float
    mouth_open: float
    smile: float
    rest_smile: float
    face_a: float
    chin_dy: float
    jaw_taper: float
    forehead_top: float
    hair_volume: float
    hair_len: float
    hairline: float
    hair_part: float
    bangs_lift: float
    hat_brim: float
    hat_crown: float
    hat_width: float
    ear_dy: float
    ear_h: float
    neck_w: float
    neckline: float
    lens_w: float
    lens_aspect: float
    lens_power: float
    frame: float
    yaw: float


@dataclass
class Pose:
    """In-plane rotation (degrees, counter-clockwise on screen), scale (1.0
    fills the image like FaRL's aligned crops), shift (fraction of the image
    side) and horizontal squash (a yaw-like narrowing)."""
    angle: float = 0.0
    scale: float = 0.85
    shift_x: float = 0.0
    shift_y: float = 0.0
    squash: float = 1.0


def sample_params(rng):
    """Draw a :class:`FaceParams` from the sample's shape stream."""
    names = [f.name for f in fields(FaceParams)]
    lo = np.array([_RANGES[n][0] for n in names], np.float64)
    hi = np.array([_RANGES[n][1] for n in names], np.float64)
    values = lo + (hi - lo) * rng.random(len(names))
    return FaceParams(**dict(zip(names, values.tolist())))


def sample_pose(rng):
    """Draw a :class:`Pose` from the sample's pose stream."""
    names = list(_POSE_RANGES)
    values = rng.random(len(names))
    return Pose(**{n: _POSE_RANGES[n][0] + (_POSE_RANGES[n][1] -
                                            _POSE_RANGES[n][0]) * v
                   for n, v in zip(names, values.tolist())})
