"""``farl_mm.CheckpointHook``: a crash while a checkpoint is written never
leaves a broken latest or best checkpoint.

The new file goes to a temporary name and is renamed over the old one;
``last_checkpoint`` likewise; ``max_keep_ckpts`` and ``save_best`` delete
the old checkpoint only once the new one is in place; the next run removes
the temporary files a kill left. mmengine's stock ``CheckpointHook`` is not
patched: it writes in place and deletes first (the control shows what that
leaves behind); ``tools/train.py`` and farl_mm's configs use this hook.
"""
import os
import os.path as osp
import pathlib
import sys

import pytest
import torch
from mmengine.config import Config
from mmengine.evaluator import BaseMetric
from mmengine.fileio.backends import local_backend
from mmengine.hooks import CheckpointHook as MMEngineCheckpointHook
from mmengine.runner import CheckpointLoader, Runner

import farl_mm  # noqa: F401  (registers the hook)
from farl_mm.engine.hooks import CheckpointHook
from farl_mm.utils.atomic_file import TMP_SUFFIX, atomic_file

sys.path.insert(0, osp.join(osp.dirname(__file__), '..', '..', 'helpers'))
import tiny_lapa  # noqa: E402
from toy_regression import Pairs, ToyModel  # noqa: E402

REAL_SAVE = torch.save
HOOK = 'farl_mm.CheckpointHook'


def _runner(work_dir, max_iters=4, hook=HOOK, **kwargs):
    kwargs.setdefault('train_cfg', dict(by_epoch=False, max_iters=max_iters))
    kwargs.setdefault('default_hooks', dict(checkpoint=dict(
        type=hook, interval=2, by_epoch=False, max_keep_ckpts=1)))
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


def _latest_or_error(work_dir):
    try:
        path, ckpt = _latest(pathlib.Path(work_dir))
        return path, ckpt['meta']['iter']
    except Exception as err:  # noqa: BLE001 - reported by the test
        return 'error', repr(err)


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


def _half_written_iter_4(monkeypatch, seen):
    """The file system write of iter_4.pth stops half-way (a kill or a full
    disk), noting what ``--resume`` would find at that moment."""
    real_put = local_backend.LocalBackend.put

    def put(self, obj, filepath):
        if osp.basename(filepath).startswith(('iter_4.pth', '.iter_4.pth')):
            real_put(self, obj[:len(obj) // 2], filepath)
            seen.append(_latest_or_error(osp.dirname(filepath)))
            raise OSError('disk full')
        return real_put(self, obj, filepath)

    monkeypatch.setattr(local_backend.LocalBackend, 'put', put)


def test_half_written_checkpoint_is_never_the_latest(tmp_path, monkeypatch):
    seen = []
    _half_written_iter_4(monkeypatch, seen)
    runner = _runner(tmp_path)
    assert type(runner.hooks[-1]) is CheckpointHook
    with pytest.raises(OSError, match='disk full'):
        runner.train()
    iter_2 = str(tmp_path / 'iter_2.pth')
    assert seen == [(iter_2, 2)]
    assert _latest(tmp_path)[0] == iter_2  # after the failure too
    assert sorted(p for p in os.listdir(tmp_path) if 'pth' in p) == [
        'iter_2.pth']  # neither half an iter_4.pth nor a temporary file


def test_stock_checkpoint_hook_is_not_patched(tmp_path, monkeypatch):
    """Control, and the decided behaviour: a config naming mmengine's own
    ``CheckpointHook`` keeps mmengine's save, which deletes iter_2.pth
    (max_keep_ckpts=1) before writing iter_4.pth in place: a crash
    mid-write leaves nothing to resume from."""
    seen = []
    _half_written_iter_4(monkeypatch, seen)
    runner = _runner(tmp_path, hook='CheckpointHook')
    assert type(runner.hooks[-1]) is MMEngineCheckpointHook
    with pytest.raises(OSError, match='disk full'):
        runner.train()
    assert seen[0][0] == 'error'
    assert not (tmp_path / 'iter_2.pth').exists()


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
            type=HOOK, interval=2, by_epoch=False,
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
    assert 'save_checkpoint' not in vars(runner)  # the Runner's own again


def test_start_up_removes_only_stale_temporary_files(tmp_path):
    """A killed save leaves its temporary file; the next run's start removes
    it, and nothing else."""
    with atomic_file(tmp_path / 'iter_2.pth') as f:
        f.write(b'whole')
        orphan, = os.listdir(tmp_path)  # the name a kill would leave
    stale = [orphan, '.last_checkpoint.k2j4h6g8' + TMP_SUFFIX]
    others = ['iter_2.pth', '.iter_6.pth.abcd1234.tmp', 'notes.tmp',
              'iter_4.pth' + TMP_SUFFIX, '.x' + TMP_SUFFIX + '.bak']
    for name in stale + others[1:]:
        (tmp_path / name).write_bytes(b'half')
    _runner(tmp_path, max_iters=1).train()
    left = set(os.listdir(tmp_path))
    assert not left & set(stale)
    assert set(others) <= left


@pytest.mark.parametrize('config', [
    'configs/farl/lapa_upernet.py', 'configs/farl/aflw19_upernet.py'])
def test_farl_mm_configs_use_the_crash_safe_hook(config):
    cfg = Config.fromfile(osp.join(tiny_lapa.REPO, config))
    assert cfg.default_hooks.checkpoint.type == HOOK


def test_train_tool_saves_with_the_crash_safe_hook():
    """``tools/train.py`` makes a stock checkpoint hook this one (any
    OpenMMLab config it trains), and leaves another type alone."""
    from tools.train import add_default_hooks
    for stock in ('CheckpointHook', 'mmengine.CheckpointHook'):
        cfg = add_default_hooks(Config(dict(default_hooks=dict(
            checkpoint=dict(type=stock, interval=3)))))
        assert cfg.default_hooks.checkpoint == dict(type=HOOK, interval=3)
    cfg = add_default_hooks(Config(dict(default_hooks=dict(
        checkpoint=dict(type='MyCheckpointHook')))))
    assert cfg.default_hooks.checkpoint.type == 'MyCheckpointHook'
    assert issubclass(CheckpointHook, MMEngineCheckpointHook)
