"""Version-gated fixes that let the OpenMMLab 1.x stack run on current PyTorch.

Each submodule fixes one known breakage (``../shared/docs/stack.md``) and
exposes ``needed()`` and ``apply()``; :func:`apply_all` applies only what
``needed()`` says this environment lacks. The mmcv stub must come first: the
other patches import mmengine modules that may import ``mmcv``.
"""
from . import mmcv_ext


def apply_all():
    """Apply every needed patch; returns the names of those applied."""
    applied = []
    if mmcv_ext.needed():
        mmcv_ext.apply()
        applied.append('mmcv_ext')
    from . import amp, checkpoint, dist
    for name, patch in (('checkpoint', checkpoint), ('amp', amp),
                        ('dist', dist)):
        if patch.needed():
            patch.apply()
            applied.append(name)
    return applied
