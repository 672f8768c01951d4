"""farl_mm: FaRL facial representations for OpenMMLab.

Importing the package applies the version-gated compatibility patches
(:mod:`farl_mm.compat`) and registers every farl_mm module, so a config only
needs ``custom_imports=dict(imports=['farl_mm'])``.
"""
from .compat import apply_all as _apply_compat
from .version import __version__

_apply_compat()

from . import datasets, engine, evaluation, models  # noqa: E402,F401,I001

__all__ = ['__version__']
