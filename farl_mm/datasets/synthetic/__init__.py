"""Deterministic synthetic faces with pixel-exact labels (no real photos).

See :class:`SyntheticFaceGenerator`; :func:`write_lapa` writes them in
LaPa's on-disk layout.
"""
from .attributes import ATTRIBUTE_NAMES, make_caption
from .generator import EXTRA_MASKS, FaceSample, SyntheticFaceGenerator
from .landmarks import (FIVE_POINT_TEMPLATE_512, LAPA106_TO_5,
                        LAPA106_TO_300W68, LAPA106_TO_AFLW19,
                        LAPA106_TO_WFLW98)
from .layers import LAPA_CLASSES
from .params import Pose
from .preview import contact_sheet, overlay
from .writers import write_lapa

__all__ = [
    'ATTRIBUTE_NAMES', 'EXTRA_MASKS', 'FIVE_POINT_TEMPLATE_512',
    'FaceSample', 'LAPA106_TO_5', 'LAPA106_TO_300W68', 'LAPA106_TO_AFLW19',
    'LAPA106_TO_WFLW98', 'LAPA_CLASSES', 'Pose', 'SyntheticFaceGenerator',
    'contact_sheet', 'make_caption', 'overlay', 'write_lapa'
]
