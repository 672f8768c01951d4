"""``farl_mm.utils.checkpoint_io``: checkpoints load as data only.

mmengine's loaders reach these functions through the global patch
(``tests/test_compat/test_checkpoint.py``); here they are called directly.
"""
import os
import shlex

import numpy as np
import pytest
import torch
from mmengine.logging import HistoryBuffer

from farl_mm.utils.checkpoint_io import (UnsafeCheckpointError,
                                         load_checkpoint_bytes,
                                         load_checkpoint_file)


class RunsCodeOnLoad:

    def __init__(self, marker):
        self.marker = str(marker)

    def __reduce__(self):
        return os.system, (f'touch {shlex.quote(self.marker)}', )


def test_mmengine_objects_load(tmp_path):
    """What mmengine writes (a HistoryBuffer, numpy arrays and scalars)
    loads; plain ``torch.load`` refuses it."""
    buffer = HistoryBuffer()
    buffer.update(0.5)
    path = tmp_path / 'ok.pth'
    torch.save(dict(meta=dict(hub=buffer, sigmas=np.array([]),
                              seed=np.int64(3)),
                    state_dict=dict(w=torch.ones(2))), path)
    with pytest.raises(Exception, match='HistoryBuffer'):
        torch.load(path)
    loaded = load_checkpoint_file(path)
    assert loaded['meta']['hub'].current() == 0.5
    assert loaded['meta']['sigmas'].shape == (0, )
    assert loaded['meta']['seed'] == 3
    assert torch.equal(loaded['state_dict']['w'], torch.ones(2))
    in_memory = load_checkpoint_bytes(path.read_bytes(), 'archive/ok.pth')
    assert torch.equal(in_memory['state_dict']['w'], torch.ones(2))


def test_crafted_checkpoint_is_refused_and_not_run(tmp_path):
    marker, path = tmp_path / 'MARKER', tmp_path / 'crafted.pth'
    torch.save(dict(state_dict={}, payload=RunsCodeOnLoad(marker)), path)
    with pytest.raises(UnsafeCheckpointError,
                       match=f'Refused to load checkpoint {path}: it needs '
                       'posix.system'):
        load_checkpoint_file(path)
    with pytest.raises(UnsafeCheckpointError,
                       match='Refused to load checkpoint in/crafted.pth'):
        load_checkpoint_bytes(path.read_bytes(), 'in/crafted.pth')
    assert not marker.exists()


def test_missing_file_is_named(tmp_path):
    with pytest.raises(FileNotFoundError, match='nope.pth can not be found'):
        load_checkpoint_file(tmp_path / 'nope.pth')
