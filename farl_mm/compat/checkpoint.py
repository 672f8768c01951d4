"""Every checkpoint mmengine loads is loaded as data, whatever the entry
point (``load_from``, ``--resume``, ``init_cfg=dict(type='Pretrained')``,
``CheckpointLoader`` in user code).

mmengine 0.10 calls ``torch.load`` without ``weights_only``: since torch 2.6
that refuses mmengine's own checkpoints (``Unsupported global:
HistoryBuffer``), and upstream's fix, ``weights_only=False``, runs any
pickle. No config key reaches every one of those loaders, so this stays a
global patch: the local-file scheme loads with
:func:`farl_mm.utils.checkpoint_io.load_checkpoint_file` (allow-list), and
the other schemes (``http(s)://``, ``torchvision://``, ``openmmlab://``,
s3, ...) get the same ``torch.load``: mmengine downloads with
``torch.hub.load_url``, whose default is ``weights_only=False``.

Crash-safe saving is not patched: it is :class:`farl_mm.CheckpointHook`,
which farl_mm's configs use.
"""
import functools
import pickle
from unittest import mock

import torch
from mmengine.runner.checkpoint import CheckpointLoader

from ..utils.checkpoint_io import (load_checkpoint_file,
                                   unsafe_checkpoint_error,
                                   weights_only_load)


def _load_from_local(filename, map_location):
    return load_checkpoint_file(filename, map_location)


def _data_only(loader):
    """A ``CheckpointLoader`` scheme (URL, ``torchvision://``, s3, ...)
    whose ``torch.load`` calls are made ``weights_only=True``."""

    @functools.wraps(loader)
    def load(filename, *args, **kwargs):
        try:
            with mock.patch.object(torch, 'load', weights_only_load):
                return loader(filename, *args, **kwargs)
        except pickle.UnpicklingError as err:
            raise unsafe_checkpoint_error(filename, err) from err

    load.farl_mm_data_only = True
    return load


def _remote_schemes():
    return {prefix: loader
            for prefix, loader in CheckpointLoader._schemes.items()
            if prefix != '' and not getattr(loader, 'farl_mm_data_only',
                                             False)}


def needed() -> bool:
    return (CheckpointLoader._schemes.get('') is not _load_from_local
            or bool(_remote_schemes()))


def apply() -> None:
    CheckpointLoader.register_scheme(
        prefixes='', loader=_load_from_local, force=True)
    for prefix, loader in _remote_schemes().items():
        CheckpointLoader.register_scheme(
            prefixes=prefix, loader=_data_only(loader), force=True)
