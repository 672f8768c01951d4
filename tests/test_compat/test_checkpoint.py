"""``farl_mm.compat.checkpoint``: mmengine checkpoints load as data only.

On torch >= 2.6 ``torch.load`` defaults to ``weights_only=True`` and refuses
the ``HistoryBuffer`` and numpy objects mmengine itself saves, so resume and
``load_from`` break; the upstream fix (``weights_only=False``) would run any
pickled code. The patch allow-lists exactly mmengine's globals.
"""
import os
import os.path as osp
import pickle
import shlex
import sys

import pytest
import torch
from mmengine.runner import CheckpointLoader, Runner
from mmengine.runner.checkpoint import load_from_local

import farl_mm  # noqa: F401  (applies the patch)
from farl_mm.utils.checkpoint_io import UnsafeCheckpointError

sys.path.insert(0, osp.join(osp.dirname(__file__), '..', 'helpers'))
import tiny_lapa  # noqa: E402
from toy_regression import Pairs, ToyModel  # noqa: E402


def _runner(work_dir, name, max_iters=2, **kwargs):
    return Runner(
        model=ToyModel(),
        work_dir=str(work_dir),
        experiment_name=name,  # unique: loggers are per-name singletons
        train_dataloader=dict(
            dataset=Pairs(), batch_size=2, num_workers=0,
            sampler=dict(type='DefaultSampler', shuffle=True)),
        train_cfg=dict(by_epoch=False, max_iters=max_iters),
        optim_wrapper=dict(optimizer=dict(type='Adam', lr=0.01)),
        default_hooks=dict(checkpoint=dict(
            type='CheckpointHook', interval=max_iters, by_epoch=False)),
        default_scope='mmengine',
        **kwargs)


@pytest.fixture(autouse=True)
def _isolated_runners():
    with tiny_lapa.mmengine_state_restored():
        yield


@pytest.fixture(scope='module')
def mmengine_checkpoint(tmp_path_factory):
    """A checkpoint written by mmengine's Runner after 2 iterations."""
    work_dir = tmp_path_factory.mktemp('toy_run')
    with tiny_lapa.mmengine_state_restored():
        _runner(work_dir, f'toy_train_{work_dir.name}').train()
    path = work_dir / 'iter_2.pth'
    assert path.is_file()
    return str(path)


@pytest.fixture
def crafted_checkpoint(tmp_path):
    """A checkpoint whose unpickling runs a shell command (touch MARKER)."""

    class RunsCodeOnLoad:

        def __reduce__(self):
            return os.system, (f'touch {shlex.quote(str(marker))}', )

    marker = tmp_path / 'MARKER'
    path = tmp_path / 'crafted.pth'
    torch.save(dict(meta=dict(epoch=0, iter=1), state_dict={},
                    payload=RunsCodeOnLoad()), path)
    return str(path), marker


def test_torch_load_refuses_mmengine_checkpoints(mmengine_checkpoint):
    with pytest.raises(pickle.UnpicklingError, match='HistoryBuffer'):
        torch.load(mmengine_checkpoint)
    # mmengine's own loader, which the patch replaces, calls exactly that.
    with pytest.raises(pickle.UnpicklingError, match='HistoryBuffer'):
        load_from_local(mmengine_checkpoint, map_location='cpu')


def test_resume_restores_iteration_optimizer_and_history(
        mmengine_checkpoint, tmp_path):
    saved = CheckpointLoader.load_checkpoint(mmengine_checkpoint)
    runner = _runner(tmp_path, f'toy_resume_{tmp_path.name}', max_iters=4)
    runner.resume(mmengine_checkpoint)

    assert runner.iter == 2
    state = runner.optim_wrapper.state_dict()['state']
    assert state and state.keys() == saved['optimizer']['state'].keys()
    for key, value in state.items():
        torch.testing.assert_close(
            value['exp_avg'], saved['optimizer']['state'][key]['exp_avg'])
    losses = runner.message_hub.get_scalar('train/loss').data[0]
    assert len(losses) == 2

    runner.train()  # continues: 2 more iterations, not 4
    assert runner.iter == 4
    assert runner.message_hub.get_scalar('train/loss').data[0].size == 4


def test_load_from_restores_weights(mmengine_checkpoint, tmp_path):
    saved = CheckpointLoader.load_checkpoint(mmengine_checkpoint)
    runner = _runner(tmp_path, f'toy_load_{tmp_path.name}')
    runner.load_checkpoint(mmengine_checkpoint)
    torch.testing.assert_close(runner.model.linear.weight,
                               saved['state_dict']['linear.weight'])


def test_crafted_checkpoint_would_run_code(crafted_checkpoint):
    """Control: loading it the unsafe way does create the marker."""
    path, marker = crafted_checkpoint
    torch.load(path, weights_only=False)
    assert marker.exists()


def test_checkpoint_loader_refuses_crafted_checkpoint(crafted_checkpoint):
    path, marker = crafted_checkpoint
    with pytest.raises(UnsafeCheckpointError, match='system') as err:
        CheckpointLoader.load_checkpoint(path)
    assert path in str(err.value)
    assert not marker.exists()


def test_getattr_is_limited_to_history_buffer_statistics(tmp_path):
    """mmengine pickles ``getattr(HistoryBuffer, 'min')``; nothing else."""
    from mmengine.logging import HistoryBuffer

    class ReachesInit:

        def __reduce__(self):
            return getattr, (HistoryBuffer, '__init__')

    path = str(tmp_path / 'getattr.pth')
    torch.save(dict(state_dict={}, payload=ReachesInit()), path)
    with pytest.raises(UnsafeCheckpointError, match='__init__'):
        CheckpointLoader.load_checkpoint(path)


def test_empty_numpy_arrays_load_but_bytes_stays_narrow(tmp_path):
    """mmpose's face datasets save ``sigmas=[]`` in the meta: an empty array
    pickles through ``bytes()``; a pickle asking ``bytes(n)`` is refused."""
    import numpy as np

    path = str(tmp_path / 'empty.pth')
    torch.save(dict(state_dict={}, meta=dict(sigmas=np.array([]))), path)
    loaded = CheckpointLoader.load_checkpoint(path)
    assert loaded['meta']['sigmas'].shape == (0, )

    class BigBytes:

        def __reduce__(self):
            return bytes, (10, )

    path = str(tmp_path / 'bytes.pth')
    torch.save(dict(state_dict={}, payload=BigBytes()), path)
    with pytest.raises(UnsafeCheckpointError, match='bytes'):
        CheckpointLoader.load_checkpoint(path)


def test_train_tool_refuses_to_resume_crafted_checkpoint(
        crafted_checkpoint, tmp_path):
    path, marker = crafted_checkpoint
    data = tiny_lapa.make_lapa(tmp_path / 'data')
    with pytest.raises(UnsafeCheckpointError,
                       match=f'Refused to load checkpoint {path}'):
        tiny_lapa.tool_inline('train.py', tiny_lapa.CONFIG, '--work-dir',
                              tmp_path / 'work', '--resume', path,
                              *tiny_lapa.cfg_options(data))
    assert not marker.exists()
