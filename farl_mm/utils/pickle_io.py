"""Pickle files (``tools/test.py --dump``'s predictions) read as data.

A plain ``pickle.load`` runs whatever the file names; here only containers,
strings, numbers, tensors and the checkpoint allow-list
(:data:`~farl_mm.utils.checkpoint_io.SAFE_GLOBALS`) resolve.
"""
import collections
import functools
import io
import pickle

import torch

from .checkpoint_io import (SAFE_GLOBALS, UnsafeCheckpointError,
                            weights_only_load)


def _latin1_encode(text, encoding='utf-8'):
    """``_codecs.encode``: how protocol 2 pickles non-empty ``bytes``
    (``encode(text, 'latin1')``); no other codec."""
    if encoding not in ('latin1', 'latin-1'):
        raise pickle.UnpicklingError(
            f'_codecs.encode(..., {encoding!r}) is not allowed')
    return text.encode('latin1')


def _storage_from_bytes(data):
    """``torch.storage._load_from_bytes``: a plain pickle holds each tensor
    storage as a nested ``torch.save`` file, which torch would load with
    ``weights_only=False``; here it is loaded as data."""
    return weights_only_load(io.BytesIO(data))


@functools.cache
def _pickle_globals():
    """``'module.name' -> object`` a data pickle may name: the checkpoint
    allow-list, tensors (as plain pickles write them) and their helpers."""
    allowed = {f'{g.__module__}.{g.__qualname__}': g for g in SAFE_GLOBALS}
    for name, value in list(allowed.items()):  # numpy 2 renamed core
        if name.startswith('numpy.core.'):
            allowed['numpy._core.' + name[len('numpy.core.'):]] = value
    allowed.update({
        'torch._utils._rebuild_tensor_v2': torch._utils._rebuild_tensor_v2,
        'torch.storage._load_from_bytes': _storage_from_bytes,
        'collections.OrderedDict': collections.OrderedDict,
        '_codecs.encode': _latin1_encode,
    })
    return allowed


class _DataUnpickler(pickle.Unpickler):
    """Resolves only the names of :func:`_pickle_globals`: nothing is
    imported or called that is not on that list."""

    def find_class(self, module, name):
        module = {'__builtin__': 'builtins'}.get(module, module)  # proto 2
        found = _pickle_globals().get(f'{module}.{name}')
        if found is None:
            raise pickle.UnpicklingError(f'{module}.{name}')
        return found


def load_pickle_file(filename):
    """A pickle file read as data: containers, strings, numbers, tensors
    and numpy arrays only.

    Raises:
        UnsafeCheckpointError: The file names any other global (nothing
            of it is run).
    """
    with open(filename, 'rb') as f:
        try:
            return _DataUnpickler(f).load()
        except pickle.UnpicklingError as err:
            raise UnsafeCheckpointError(
                f'Refused to read {filename}: it needs {err}, which is not '
                'plain data (containers, numbers, strings, tensors, numpy '
                'arrays) and unpickling it could execute code. Nothing in '
                'it was run.') from err
