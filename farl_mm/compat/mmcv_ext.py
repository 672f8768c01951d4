"""A stand-in for ``mmcv._ext`` when mmcv-lite (no compiled ops) is installed.

``mmseg.models`` and ``mmpose.models`` import ``mmcv.ops`` at module level, and
``mmcv.ops`` loads the compiled ``mmcv._ext`` at import; with mmcv-lite that
import fails although FaRL uses none of the ops. The stub lets the import
succeed and raises a clear error only when a compiled op is actually called.
It is installed only when the real extension cannot be found, so a full mmcv
is left untouched.
"""
import importlib.machinery
import importlib.util
import sys
import types

NAME = 'mmcv._ext'


class _MissingOp:

    def __init__(self, name):
        self.__name__ = name

    def __call__(self, *args, **kwargs):
        raise RuntimeError(
            f'mmcv op `{self.__name__}` needs the compiled mmcv extension, '
            'but mmcv-lite is installed. FaRL does not need it; if your '
            'config does, install full mmcv (see README, "Installation").')


class _StubExtension(types.ModuleType):
    """Module whose every attribute is an op that raises when called."""

    def __getattr__(self, name):
        if name.startswith('__'):
            raise AttributeError(name)
        return _MissingOp(name)


def needed() -> bool:
    if NAME in sys.modules:
        return False
    try:
        return importlib.util.find_spec('mmcv') is not None and \
            importlib.util.find_spec(NAME) is None
    except (ImportError, ValueError):
        return False


def apply() -> None:
    stub = _StubExtension(NAME)
    # A real spec: mmengine's `mmcv_full_available()` calls find_spec on it.
    stub.__spec__ = importlib.machinery.ModuleSpec(NAME, loader=None)
    stub.farl_mm_stub = True
    sys.modules[NAME] = stub
