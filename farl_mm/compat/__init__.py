"""Version-gated fixes that let the OpenMMLab 1.x stack run on current PyTorch.

Only what no config can say is patched here (each module says why); what a
config can say is a registered component (``farl_mm.CheckpointHook``).
Each submodule fixes one known breakage (``../shared/docs/stack.md``) and
exposes ``needed()`` and ``apply()``; :func:`apply_all` applies only what
``needed()`` says this environment lacks. The mmcv stub must come first: the
other patches import mmengine modules that may import ``mmcv``.
"""
from . import mmcv_ext

_applied = []  # names, in the order applied, for the life of the process


def apply_all():
    """Apply every needed patch; returns the names of all patches in effect
    (applied by this call or an earlier one, e.g. ``import farl_mm``)."""
    if mmcv_ext.needed():
        mmcv_ext.apply()
        _note('mmcv_ext')
    from . import amp, checkpoint, dist
    for name, patch in (('checkpoint', checkpoint), ('amp', amp),
                        ('dist', dist)):
        if patch.needed():
            patch.apply()
            _note(name)
    return list(_applied)


def _note(name):
    if name not in _applied:
        _applied.append(name)
