"""Checkpoints loaded as data: ``weights_only=True`` with an allow-list.

torch >= 2.6 loads ``weights_only=True`` by default, which refuses the
objects mmengine itself writes into a checkpoint (``HistoryBuffer``, numpy
arrays in the message hub and dataset meta); upstream's fix,
``weights_only=False``, runs any pickle. Here exactly those globals are
allowed and anything else is refused before any of it runs.
:mod:`farl_mm.compat.checkpoint` routes mmengine's loaders through this.
"""
import io
import os.path as osp
import pickle

import numpy as np
import torch
from mmengine.logging import HistoryBuffer


class UnsafeCheckpointError(RuntimeError):
    """The file holds objects whose unpickling could run code."""


def _numpy_globals():
    """numpy objects in mmengine's message hub and dataset meta."""
    try:  # numpy >= 2 moved ``core`` to ``_core``
        from numpy._core.multiarray import _reconstruct, scalar
    except ImportError:
        from numpy.core.multiarray import _reconstruct, scalar
    dtype_classes = [type(np.dtype(t)) for t in (
        'bool', 'int8', 'int16', 'int32', 'int64', 'uint8', 'uint16',
        'uint32', 'uint64', 'float16', 'float32', 'float64')]
    return [_reconstruct, scalar, np.ndarray, np.dtype, *dtype_classes]


_HISTORY_BUFFER_STATISTICS = ('min', 'max', 'current', 'mean')


def _history_buffer_getattr(obj, name):
    """The one ``getattr`` an mmengine checkpoint needs.

    ``HistoryBuffer.__getstate__`` saves its statistics methods, which pickle
    (protocol 2, torch's default) writes as ``getattr(HistoryBuffer, 'min')``.
    Allowing ``builtins.getattr`` itself would hand a pickle every attribute
    of every allowed object (``__globals__`` dicts it could then rewrite).
    """
    if obj is HistoryBuffer and name in _HISTORY_BUFFER_STATISTICS:
        return getattr(obj, name)
    raise pickle.UnpicklingError(
        f'getattr({obj!r}, {name!r}) is not allowed in a checkpoint')


# torch keys the allow-list by `__module__.__qualname__` (`__name__` before
# 2.6), so this function answers the pickle's `builtins.getattr`.
_history_buffer_getattr.__module__ = 'builtins'
_history_buffer_getattr.__name__ = 'getattr'
_history_buffer_getattr.__qualname__ = 'getattr'


def _empty_bytes(*args):
    """``bytes()``: how protocol 2 pickles an empty ``bytes`` object.

    Empty numpy arrays in a checkpoint's meta (mmpose's face datasets save
    ``sigmas=[]``) need it; non-empty bytes come as ``_codecs.encode``,
    which torch allows. Anything else (``bytes(10**12)``) is refused.
    """
    if args:
        raise pickle.UnpicklingError(
            f'bytes{args!r} is not allowed in a checkpoint')
    return b''


_empty_bytes.__module__ = 'builtins'
_empty_bytes.__name__ = _empty_bytes.__qualname__ = 'bytes'

SAFE_GLOBALS = [
    HistoryBuffer, _history_buffer_getattr, _empty_bytes, *_numpy_globals()
]

_torch_load = torch.load  # bound at import: immune to later patches


def weights_only_load(f, map_location=None, *args, weights_only=None,
                      **kwargs):
    """``torch.load`` with ``weights_only=True`` and :data:`SAFE_GLOBALS`,
    whatever ``weights_only`` the caller asks for."""
    with torch.serialization.safe_globals(SAFE_GLOBALS):
        return _torch_load(f, map_location, *args, weights_only=True,
                           **kwargs)


def load_checkpoint_file(filename, map_location='cpu', mmap=None):
    """``torch.load`` a local file as data only.

    Args:
        filename (str): Path of the checkpoint.
        map_location: As in :func:`torch.load`.
        mmap (bool, optional): As in :func:`torch.load`: tensors stay on
            disk until read (zip-format files only).

    Raises:
        FileNotFoundError: The file does not exist.
        UnsafeCheckpointError: Unpickling it would need a global outside
            the allow-list (nothing of it is executed).
    """
    filename = osp.expanduser(str(filename))
    if not osp.isfile(filename):
        raise FileNotFoundError(f'{filename} can not be found.')
    try:
        return weights_only_load(filename, map_location, mmap=mmap)
    except pickle.UnpicklingError as err:
        raise unsafe_checkpoint_error(
            filename, _unsafe_globals(filename) or err) from err


def load_checkpoint_bytes(data, name, map_location='cpu'):
    """:func:`load_checkpoint_file` for a checkpoint held in memory (e.g. a
    file inside an archive); ``name`` words the errors."""
    try:
        return weights_only_load(io.BytesIO(data), map_location)
    except pickle.UnpicklingError as err:
        raise unsafe_checkpoint_error(name, err) from err


def unsafe_checkpoint_error(filename, needs):
    """The error for a checkpoint whose unpickling needs ``needs``."""
    return UnsafeCheckpointError(
        f'Refused to load checkpoint {filename}: it needs {needs}, which '
        'are not plain tensors/containers nor on farl_mm\'s allow-list, and '
        'unpickling them could execute code. Nothing in it was run. If you '
        'trust the file, allow those classes with '
        'torch.serialization.add_safe_globals([...]) before loading.')


def _unsafe_globals(filename):
    """The file's globals outside the allow-list, comma-separated."""
    try:
        with torch.serialization.safe_globals(SAFE_GLOBALS):
            return ', '.join(
                torch.serialization.get_unsafe_globals_in_checkpoint(
                    filename))
    except Exception:  # noqa: BLE001 - only used to word the error
        return ''
