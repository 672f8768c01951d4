"""Deterministic synthetic faces with pixel-exact labels (no real photos).

For tools and tests only: nothing under ``farl_mm`` outside this package
imports it, so the real loaders never depend on it. See
:class:`SyntheticFaceGenerator`; :mod:`farl_mm.synthetic.writers` writes the
faces in public datasets' on-disk layouts.
"""
from .attributes import ATTRIBUTE_NAMES, make_caption
from .generator import EXTRA_MASKS, FaceSample, SyntheticFaceGenerator
from .layers import LAPA_CLASSES
from .params import Pose
from .preview import contact_sheet, overlay

__all__ = [
    'ATTRIBUTE_NAMES', 'EXTRA_MASKS', 'FaceSample', 'LAPA_CLASSES', 'Pose',
    'SyntheticFaceGenerator', 'contact_sheet', 'make_caption', 'overlay'
]
