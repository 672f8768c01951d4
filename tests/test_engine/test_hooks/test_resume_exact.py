"""A run killed with SIGKILL and resumed with ``tools/train.py --resume``
ends with the weights of a run never stopped, bit for bit on CPU, having
trained on the same samples in the same iterations (``RNGStateHook``, on by
default in ``tools/train.py``: farl_mm.engine.hooks.rng_state_hook, saving
when farl_mm.engine.hooks.checkpoint_schedule says a checkpoint follows).

Each case trains 12 iterations with a checkpoint every 4: once in this
process without a stop, once in a subprocess killed at a random iteration
after a checkpoint and then resumed here. Data loaders run in the main
process (``num_workers=0``). The backbones get drop-path, so that every
training step draws from torch's generator, which the skip of the trained
batches on resume does not replay.
"""
import os
import os.path as osp
import random
import re
import shutil
import signal
import subprocess
import sys
import time
from unittest import mock

import numpy as np
import pytest
import torch
from mmengine.runner import CheckpointLoader, Runner
from torch.utils.data import Dataset

from farl_mm.engine.hooks import RNGStateHook

sys.path.insert(0, osp.join(osp.dirname(__file__), '..', '..', 'helpers'))
import record_batches_hook  # noqa: E402  (registers RecordBatchesHook)
import tiny_lapa  # noqa: E402
import toy_train  # noqa: E402  (DropoutToy: dropout draws from torch)

MAX_ITERS, INTERVAL = 12, 4
PRETRAIN = osp.join(tiny_lapa.REPO, 'configs', 'farl',
                    'farl_vit-tiny_synthetic-shards_pretrain.py')
PARSING = osp.join(tiny_lapa.REPO, 'configs', 'farl',
                   'lapa_upernet_tiny_synthetic.py')
# An epoch: 24 samples, 6 batches. Resumed at 4, the run re-reads 4
# batches; at 8, it skips epoch 0 unread and re-reads 2.
NUM_SHARDS, PER_SHARD, BATCH = 3, 8, 4


def _options(**overrides):
    opts = {
        'train_cfg.max_iters': MAX_ITERS,
        'default_hooks.checkpoint.interval': INTERVAL,
        'default_hooks.logger.interval': 1,
        'randomness.seed': 0,
        'custom_imports.imports': '[farl_mm,record_batches_hook]',
        'default_hooks.record_batches.type': 'RecordBatchesHook',
        'model.backbone.drop_path_rate': 0.1,
        **overrides}
    return ['--cfg-options', *(f'{k}={v}' for k, v in opts.items())]


def _kill_at(proc, work_dir, kill_iter, timeout=300):
    """SIGKILL ``proc`` once it has started iteration ``kill_iter``."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(
                f'the run ended (exit {proc.returncode}) before iteration '
                f'{kill_iter}; see {work_dir}/stdout.txt')
        if max(record_batches_hook.read_batches(work_dir), default=-1) \
                >= kill_iter:
            proc.send_signal(signal.SIGKILL)
            proc.wait()
            return
        time.sleep(0.05)
    proc.kill()
    raise AssertionError(f'iteration {kill_iter} not reached in {timeout} s')


def _drawn_seed(work_dir):
    """``randomness.seed=N`` of the seed an unseeded run drew (its log)."""
    found = re.search(r'^ +seed: (\d+)$',
                      (work_dir / 'stdout.txt').read_text(), re.M)
    assert found, f'no seed logged in {work_dir}/stdout.txt'
    return f'randomness.seed={found.group(1)}'


def _kill_and_resume(tmp_path, config, options, control=False):
    """Both runs; returns their work dirs and where the killed one was.

    Without ``randomness.seed`` in ``options`` the killed run draws one;
    the run never stopped is given the same (what it would have drawn).
    """
    # kill after a checkpoint, before the last one: iteration 4 (the 5th)
    # at the earliest, the resumed run then trains at least 1
    kill_iter = random.choice(
        [i for i in range(INTERVAL + 1, MAX_ITERS) if i % INTERVAL])
    killed, straight = tmp_path / 'killed', tmp_path / 'straight'
    killed.mkdir()
    with open(killed / 'stdout.txt', 'w') as log:
        proc = subprocess.Popen(
            [sys.executable, osp.join(tiny_lapa.TOOLS, 'train.py'), config,
             '--work-dir', str(killed), *options,
             'default_hooks.record_batches.sleep=0.3'],
            cwd=str(tmp_path), stdout=log, stderr=subprocess.STDOUT,
            env=dict(os.environ, OMP_NUM_THREADS='1', MKL_NUM_THREADS='1',
                     PYTHONPATH=tiny_lapa.HELPERS))
    seeded = any(o.startswith('randomness.seed=') for o in options)
    try:
        if seeded:  # the run never stopped trains meanwhile, here
            tiny_lapa.tool_inline('train.py', config, '--work-dir', straight,
                                  *options)
        _kill_at(proc, killed, kill_iter)
        if not seeded:  # then, with the seed the killed run drew
            tiny_lapa.tool_inline('train.py', config, '--work-dir', straight,
                                  *options, _drawn_seed(killed))
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert not (killed / f'iter_{MAX_ITERS}.pth').exists()
    resumed_from = (killed / 'last_checkpoint').read_text()
    if control:  # the same resume without the generator states
        shutil.copytree(killed, tmp_path / 'control')
        with mock.patch.object(RNGStateHook, 'before_train'):
            tiny_lapa.tool_inline('train.py', config, '--work-dir',
                                  tmp_path / 'control', '--resume', *options)
    tiny_lapa.tool_inline('train.py', config, '--work-dir', killed,
                          '--resume', *options)
    return straight, killed, resumed_from, kill_iter


def _final(work_dir):
    return CheckpointLoader.load_checkpoint(
        str(work_dir / f'iter_{MAX_ITERS}.pth'))


def _assert_same_training(straight, killed, resumed_from, kill_iter):
    where = f'killed at iteration {kill_iter}, resumed from {resumed_from}'
    a, b = _final(straight), _final(killed)
    assert a['state_dict'].keys() == b['state_dict'].keys()
    differ = [k for k, v in a['state_dict'].items()
              if not torch.equal(v, b['state_dict'][k])]
    assert not differ, f'{where}: {len(differ)} tensors differ: {differ[:5]}'
    for key, state in a['optimizer']['state'].items():
        for name, value in state.items():
            assert torch.equal(value, b['optimizer']['state'][key][name]), \
                f'{where}: optimizer state {key}.{name} differs'
    batches = record_batches_hook.read_batches(straight)
    assert sorted(batches) == list(range(MAX_ITERS))
    assert record_batches_hook.read_batches(killed) == batches, where
    return batches


@pytest.fixture(scope='module')
def pretrain_runs(tmp_path_factory):
    from farl_mm.synthetic.writers import write_synthetic_shards
    tmp_path = tmp_path_factory.mktemp('resume_pretrain')
    shards = tmp_path / 'shards'
    write_synthetic_shards(str(shards), NUM_SHARDS, PER_SHARD, size=64,
                           seed=0)
    options = _options(**{'train_dataloader.dataset.data_root': shards,
                          'train_dataloader.batch_size': BATCH})
    return tmp_path, _kill_and_resume(tmp_path, PRETRAIN, options,
                                      control=True)


def test_pretraining_resumes_bit_exact_and_stream_in_place(pretrain_runs):
    tmp_path, (straight, killed, resumed_from, kill_iter) = pretrain_runs
    batches = _assert_same_training(straight, killed, resumed_from,
                                    kill_iter)
    per_epoch = NUM_SHARDS * PER_SHARD // BATCH
    first = [i for it in range(per_epoch) for i in batches[it]]
    assert len(set(first)) == len(first) == NUM_SHARDS * PER_SHARD
    second = [i for it in range(per_epoch, MAX_ITERS) for i in batches[it]]
    assert len(set(second)) == len(second)  # no repeats within the epoch
    assert first[:len(second)] != second  # each epoch is reshuffled


def test_resume_without_rng_states_differs(pretrain_runs):
    """Control: the same resume without ``RNGStateHook`` draws other
    drop-path masks and ends with other weights. (Without drop-path it
    would not: the skip re-runs the data pipeline, which leaves numpy's and
    python's generators where they were; only the model's draws are lost.)
    """
    tmp_path, _ = pretrain_runs
    a = _final(tmp_path / 'straight')['state_dict']
    c = _final(tmp_path / 'control')['state_dict']
    assert any(not torch.equal(v, c[k]) for k, v in a.items())


def test_unseeded_parsing_resumes_bit_exact(tmp_path):
    """As shipped, the LaPa config sets no seed: the resumed run must take
    the seed of the run it continues before it seeds its sampler."""
    data = tiny_lapa.make_lapa(tmp_path / 'data')
    opts = {}
    for split in ('train', 'val', 'test'):
        opts.update({f'{split}_dataloader.dataset.data_root': data,
                     f'{split}_dataloader.batch_size': 3,
                     f'{split}_dataloader.num_workers': 0,
                     f'{split}_dataloader.persistent_workers': False})
    # 8 images in batches of 3: a pass is 3 batches, so the resumed run
    # skips 1 or 2 whole passes unread and re-reads 1 or 2 batches.
    # Validation after every checkpoint: it must not shift the generators.
    options = [o for o in _options(**opts, **{
        'train_cfg.val_interval': INTERVAL}) if 'randomness.seed' not in o]
    runs = _kill_and_resume(tmp_path, PARSING, options)
    _assert_same_training(*runs)


class NoisyPairs(Dataset):
    """8 samples with a numpy-drawn augmentation; counts its reads."""

    reads = 0

    def __len__(self):
        return 8

    def __getitem__(self, index):
        NoisyPairs.reads += 1
        x = torch.tensor([index / 8., 1. - index / 8.])
        x = x + float(np.random.uniform(-0.1, 0.1))
        return dict(inputs=x, targets=x.sum() * 0.5)


def _toy_run(work_dir, sampler, **kwargs):
    runner = Runner(
        model=toy_train.DropoutToy(), work_dir=str(work_dir),
        experiment_name=f'toy_resume_{work_dir.parent.name}_{work_dir.name}',
        train_dataloader=dict(dataset=NoisyPairs(), batch_size=3,
                              num_workers=0,
                              sampler=dict(type=sampler, shuffle=True)),
        train_cfg=dict(by_epoch=False, max_iters=10),
        optim_wrapper=dict(optimizer=dict(type='Adam', lr=0.01)),
        default_hooks=dict(checkpoint=dict(
            type='CheckpointHook', interval=4, by_epoch=False)),
        custom_hooks=[RNGStateHook()], default_scope='mmengine',
        randomness=dict(seed=0), **kwargs)
    # mmengine pauses 2 s at every pass's end
    with tiny_lapa.mmengine_state_restored(), \
            mock.patch('mmengine.runner.loops.time.sleep'):
        runner.train()
    return runner.model.state_dict()


@pytest.mark.parametrize('sampler, resume_at, reads', [
    # A pass is 3 batches (3+3+2 samples): samples re-read, then trained.
    ('DefaultSampler', 4, 3 + 16),  # 1 pass unread, 1 batch re-read
    ('DefaultSampler', 8, 6 + 5),  # 2 passes unread, 2 batches re-read
    ('InfiniteSampler', 8, 24 + 6),  # one endless stream: all re-read
])
def test_resume_skips_whole_passes_unread(tmp_path, sampler, resume_at,
                                          reads):
    straight = _toy_run(tmp_path / 'straight', sampler)
    NoisyPairs.reads = 0
    resumed = _toy_run(tmp_path / 'resumed', sampler, resume=True,
                       load_from=str(tmp_path / 'straight' /
                                     f'iter_{resume_at}.pth'))
    assert NoisyPairs.reads == reads
    assert all(torch.equal(v, resumed[k]) for k, v in straight.items())


# Each rank trains the toy config twice in one process and process group:
# straight to the end, then resumed from the straight run's middle
# checkpoint in another work dir. The group outlives the first run (its
# close waits at a barrier instead); mmengine.dist.barrier is not a mock.
TWO_RUNS = """
import runpy, sys
from unittest import mock
from mmengine.dist import barrier
from farl_mm.utils import close_process_group
train, config, work = sys.argv[1:]

def run(name, *args):
    argv = [train, config, '--launcher', 'pytorch', '--work-dir',
            f'{work}/{name}', *args,
            '--cfg-options', f'experiment_name={name}']
    with mock.patch.object(sys, 'argv', argv), \\
            mock.patch('farl_mm.utils.close_process_group', barrier):
        runpy.run_path(train, run_name='__main__')

run('straight')
run('resumed', '--resume', f'{work}/straight/iter_4.pth')
close_process_group()
"""


def test_two_ranks_resume_bit_exact_with_their_own_generators(tmp_path):
    """Unseeded, as shipped; the ranks' generators run apart (seed + rank),
    so resuming every rank with rank 0's states, or with a new seed, would
    train on other numbers."""
    config = toy_train.write_config(tmp_path, max_iters=8, interval=4)
    ranks = tiny_lapa.run_ranks(
        [sys.executable, '-c', TWO_RUNS, osp.join(tiny_lapa.TOOLS,
                                                  'train.py'),
         config, tmp_path], cwd=tmp_path)
    for rank, result in enumerate(ranks):
        assert result['returncode'] == 0, (rank, result['output'][-3000:])
    middle = CheckpointLoader.load_checkpoint(
        str(tmp_path / 'straight' / 'iter_4.pth'))
    rank0, rank1 = middle['meta']['rng_state_ranks']
    assert not torch.equal(rank0['torch'], rank1['torch'])
    assert not torch.equal(rank0['numpy'][1], rank1['numpy'][1])
    a = _final_of(tmp_path / 'straight')
    b = _final_of(tmp_path / 'resumed')
    assert b['meta']['seed'] == a['meta']['seed']
    differ = [k for k, v in a['state_dict'].items()
              if not torch.equal(v, b['state_dict'][k])]
    assert not differ, f'{len(differ)} tensors differ: {differ}'
    for key, state in a['optimizer']['state'].items():
        for name, value in state.items():
            assert torch.equal(value, b['optimizer']['state'][key][name])


def _final_of(work_dir):
    return CheckpointLoader.load_checkpoint(str(work_dir / 'iter_8.pth'))
