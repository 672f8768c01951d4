"""``farl_mm.compat.checkpoint``: a crash while a checkpoint is written never
leaves a broken latest checkpoint.

The new file goes to a temporary name and is renamed over the old one;
``last_checkpoint`` likewise; ``max_keep_ckpts`` deletes the oldest
checkpoint only once the new one is in place. mmengine alone writes both in
place and deletes first (the controls show what that leaves behind).
"""
import os
import os.path as osp
import pathlib
import signal
import subprocess
import sys
import textwrap
import time

import pytest
import torch
from mmengine.fileio.backends import local_backend
from mmengine.evaluator import BaseMetric
from mmengine.hooks import CheckpointHook
from mmengine.runner import CheckpointLoader, Runner
from mmengine.runner import checkpoint as checkpoint_module
from mmengine.runner import runner as runner_module

import farl_mm  # noqa: F401  (applies the patch)
from farl_mm.compat import checkpoint as compat

sys.path.insert(0, osp.join(osp.dirname(__file__), '..', 'helpers'))
import tiny_lapa  # noqa: E402
from toy_regression import Pairs, ToyModel  # noqa: E402

REAL_SAVE = torch.save


def _runner(work_dir, max_iters=4, **kwargs):
    kwargs.setdefault('train_cfg', dict(by_epoch=False, max_iters=max_iters))
    kwargs.setdefault('default_hooks', dict(checkpoint=dict(
        type='CheckpointHook', interval=2, by_epoch=False, max_keep_ckpts=1)))
    return Runner(
        model=ToyModel(), work_dir=str(work_dir),
        experiment_name=f'atomic_{work_dir.name}_{len(os.listdir(work_dir))}',
        train_dataloader=dict(dataset=Pairs(), batch_size=2, num_workers=0,
                              sampler=dict(type='DefaultSampler')),
        optim_wrapper=dict(optimizer=dict(type='SGD', lr=0.1)),
        default_scope='mmengine', **kwargs)


@pytest.fixture(autouse=True)
def _isolated_runners():
    with tiny_lapa.mmengine_state_restored():
        yield


def _latest(work_dir):
    """What ``--resume`` would load, loaded (raises if it cannot)."""
    path = (work_dir / 'last_checkpoint').read_text()
    return path, CheckpointLoader.load_checkpoint(path)


def test_atomic_file_replaces_only_when_complete(tmp_path):
    path = tmp_path / 'f.bin'
    path.write_bytes(b'old')
    with compat.atomic_file(path) as f:
        f.write(b'new, half')
        assert path.read_bytes() == b'old'  # a kill now keeps 'old'
        f.write(b' and the rest')
    assert path.read_bytes() == b'new, half and the rest'
    mask = os.umask(0o022)
    os.umask(mask)
    assert path.stat().st_mode & 0o777 == 0o666 & ~mask  # as open() would
    with pytest.raises(OSError, match='disk full'):
        with compat.atomic_file(path) as f:
            f.write(b'partial')
            raise OSError('disk full')
    assert path.read_bytes() == b'new, half and the rest'
    assert os.listdir(tmp_path) == ['f.bin']  # no temporary file left


def _fail_second_save(seen, work_dir):
    """A ``torch.save`` that writes the 2nd checkpoint half and fails, noting
    what ``--resume`` would find at that moment (the moment of a kill)."""
    calls = []

    def save(obj, f, *args, **kwargs):
        calls.append(1)
        if len(calls) < 2:
            return REAL_SAVE(obj, f, *args, **kwargs)
        f.write(b'PK\x03\x04 half a zip')
        f.flush()
        seen.append(_latest_or_error(work_dir))
        raise OSError('disk full')

    return save


def _latest_or_error(work_dir):
    try:
        path, ckpt = _latest(pathlib.Path(work_dir))
        return path, ckpt['meta']['iter']
    except Exception as err:  # noqa: BLE001 - reported by the test
        return 'error', repr(err)


def test_failed_write_keeps_the_previous_checkpoint(tmp_path, monkeypatch):
    seen = []
    monkeypatch.setattr(torch, 'save', _fail_second_save(seen, tmp_path))
    with pytest.raises(OSError, match='disk full'):
        _runner(tmp_path).train()
    monkeypatch.undo()
    iter_2 = str(tmp_path / 'iter_2.pth')
    assert seen == [(iter_2, 2)]  # mid-write: the previous one, whole
    assert _latest(tmp_path)[0] == iter_2
    assert sorted(p for p in os.listdir(tmp_path) if 'pth' in p) == [
        'iter_2.pth']  # neither iter_4.pth nor a temporary file
    runner = _runner(tmp_path, resume=True)
    runner.train()  # resumes at 2, ends at 4, replaces iter_2.pth
    assert _latest(tmp_path)[1]['meta']['iter'] == 4
    assert not (tmp_path / 'iter_2.pth').exists()


def test_mmengine_alone_loses_the_latest_checkpoint(tmp_path, monkeypatch):
    """Control: mmengine's own save deletes iter_2.pth (max_keep_ckpts=1)
    before writing iter_4.pth in place: a crash mid-write leaves nothing
    to resume from."""
    for module in (checkpoint_module, runner_module):
        monkeypatch.setattr(module, 'save_checkpoint',
                            compat._mmengine_save_checkpoint)
    monkeypatch.setattr(CheckpointHook, '_save_checkpoint_with_step',
                        compat._mmengine_save_checkpoint_with_step)
    seen, real_put = [], local_backend.LocalBackend.put

    def put(self, obj, filepath):
        if filepath.endswith('iter_4.pth'):
            real_put(self, obj[:len(obj) // 2], filepath)
            seen.append(_latest_or_error(osp.dirname(filepath)))
            raise OSError('disk full')
        return real_put(self, obj, filepath)

    monkeypatch.setattr(local_backend.LocalBackend, 'put', put)
    with pytest.raises(OSError, match='disk full'):
        _runner(tmp_path).train()
    assert seen[0][0] == 'error'
    assert not (tmp_path / 'iter_2.pth').exists()


SLOW_WRITER = textwrap.dedent('''
    import importlib.util, io, sys, time
    import torch
    spec = importlib.util.spec_from_file_location('ckpt', sys.argv[1])
    ckpt = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(ckpt)
    ckpt.apply()
    real_save = torch.save

    def slow_save(obj, f):  # a slow disk: 1 kB every 10 ms
        buf = io.BytesIO()
        real_save(obj, buf)
        data = buf.getvalue()
        for i in range(0, len(data), 1024):
            f.write(data[i:i + 1024])
            f.flush()
            if i == 4096:
                print('writing', flush=True)
            time.sleep(0.01)

    torch.save = slow_save
    ckpt.save_checkpoint(dict(state_dict=dict(w=torch.ones(100000))),
                         sys.argv[2])
''')


def test_sigkill_while_writing_keeps_the_old_file(tmp_path):
    target = tmp_path / 'iter_8.pth'
    torch.save(dict(state_dict=dict(w=torch.zeros(3))), target)
    proc = subprocess.Popen(
        [sys.executable, '-c', SLOW_WRITER, compat.__file__, str(target)],
        stdout=subprocess.PIPE, text=True,
        env=dict(os.environ, OMP_NUM_THREADS='1'))
    try:
        assert proc.stdout.readline().strip() == 'writing'
        time.sleep(0.05)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        proc.kill()
    assert proc.returncode == -signal.SIGKILL
    left = CheckpointLoader.load_checkpoint(str(target))
    assert torch.equal(left['state_dict']['w'], torch.zeros(3))
    # the killed write's temporary file: hidden, never what resume loads
    assert [p.startswith('.iter_8.pth.') for p in os.listdir(tmp_path)
            if p != 'iter_8.pth'] == [True]


class Rising(BaseMetric):
    """A score that improves at every validation: each saves a new best."""

    default_prefix = 'rising'

    def __init__(self):
        super().__init__()
        self.calls = 0

    def process(self, data_batch, data_samples):
        self.results.append(0)

    def compute_metrics(self, results):
        self.calls += 1
        return dict(score=self.calls)


def _best_runner(work_dir):
    """Validation and a new best checkpoint at iterations 2 and 4."""
    return _runner(
        work_dir, val_dataloader=dict(
            dataset=Pairs(), batch_size=4, num_workers=0,
            sampler=dict(type='DefaultSampler', shuffle=False)),
        val_cfg=dict(), val_evaluator=[Rising()],
        train_cfg=dict(by_epoch=False, max_iters=4, val_interval=2),
        default_hooks=dict(checkpoint=dict(
            type='CheckpointHook', interval=2, by_epoch=False,
            save_best='rising/score', rule='greater')))


def _bests(work_dir):
    return sorted(p for p in os.listdir(work_dir) if 'best' in p)


def test_best_checkpoint_replaced_only_once_the_new_one_is_written(
        tmp_path, monkeypatch):
    """A crash while the new best checkpoint is written (the moment
    mmengine has already deleted the old one) keeps the old best."""

    def save(obj, f, *args, **kwargs):
        if any(p.startswith('.best_rising_score_iter_4.pth.')
               for p in os.listdir(tmp_path)):  # writing the new best
            f.write(b'PK\x03\x04 half a zip')
            raise OSError('killed')
        return REAL_SAVE(obj, f, *args, **kwargs)

    monkeypatch.setattr(torch, 'save', save)
    with pytest.raises(OSError, match='killed'):
        _best_runner(tmp_path).train()
    monkeypatch.undo()
    assert _bests(tmp_path) == ['best_rising_score_iter_2.pth']
    best = CheckpointLoader.load_checkpoint(
        str(tmp_path / 'best_rising_score_iter_2.pth'))
    assert best['meta']['iter'] == 2


def test_best_checkpoint_replaced_after_a_normal_save(tmp_path):
    runner = _best_runner(tmp_path)
    runner.train()
    assert _bests(tmp_path) == ['best_rising_score_iter_4.pth']
    assert runner.message_hub.get_info('best_ckpt') == str(
        tmp_path / 'best_rising_score_iter_4.pth')


def test_start_up_removes_only_stale_temporary_files(tmp_path):
    """A killed save leaves its temporary file; the next run's start removes
    it, and nothing else."""
    with compat.atomic_file(tmp_path / 'iter_2.pth') as f:
        f.write(b'whole')
        orphan, = os.listdir(tmp_path)  # the name a kill would leave
    stale = [orphan, '.last_checkpoint.k2j4h6g8' + compat.TMP_SUFFIX]
    others = ['iter_2.pth', '.iter_6.pth.abcd1234.tmp', 'notes.tmp',
              'iter_4.pth' + compat.TMP_SUFFIX, '.x' + compat.TMP_SUFFIX +
              '.bak']
    for name in stale + others[1:]:
        (tmp_path / name).write_bytes(b'half')
    _runner(tmp_path, max_iters=1).train()
    left = set(os.listdir(tmp_path))
    assert not left & set(stale)
    assert set(others) <= left
