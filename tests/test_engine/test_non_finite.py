"""``NonFiniteLossHook`` (farl_mm.engine.hooks.non_finite_loss_hook): a NaN
loss never reaches the weights. With AMP the
step is skipped and counted; without, training stops naming the iteration,
the loss terms and the last checkpoint."""
import itertools
import math
import os.path as osp
import sys

import pytest
import torch
from mmengine.config import Config
from mmengine.hooks import Hook
from mmengine.model import BaseModel
from mmengine.runner import CheckpointLoader, Runner
from torch import nn

import farl_mm  # noqa: F401  (CPU bf16 AMP, registries)
from farl_mm.engine.hooks import NonFiniteLossError, NonFiniteLossHook

sys.path.insert(0, osp.join(osp.dirname(__file__), '..', 'helpers'))
import tiny_lapa  # noqa: E402
from toy_regression import Pairs  # noqa: E402


class NaNAtModel(BaseModel):
    """Two loss terms; ``loss_fit`` is NaN at the iterations in ``nan_at``."""

    def __init__(self, nan_at=()):
        super().__init__()
        self.linear = nn.Linear(2, 1)
        self.nan_at, self.calls = set(nan_at), 0

    def forward(self, inputs, targets, mode='tensor'):
        out = self.linear(torch.stack(inputs)).squeeze(1)
        if mode != 'loss':
            return out
        fit = ((out - torch.stack(targets))**2).mean()
        if self.calls in self.nan_at:
            fit = fit * math.nan
        self.calls += 1
        return dict(loss_fit=fit, loss_decay=0.5 * self.linear.weight.sum())



class KeepWeights(Hook):
    """The weights after every iteration."""

    priority = 'LOWEST'

    def __init__(self):
        self.after = []

    def before_train(self, runner):
        self.runner = runner

    def after_train_iter(self, runner, batch_idx, data_batch=None,
                         outputs=None):
        self.after.append({k: v.detach().clone()
                           for k, v in runner.model.state_dict().items()})


_runs = itertools.count()


def _train(work_dir, nan_at, amp, hooks, max_iters=6, optimizer=None,
           **kwargs):
    optimizer = optimizer or dict(type='Adam', lr=0.05)
    wrapper = dict(type='AmpOptimWrapper') if amp else dict()
    runner = Runner(
        model=NaNAtModel(nan_at), work_dir=str(work_dir),
        experiment_name=f'nonfinite{next(_runs)}_{work_dir.name}',
        train_dataloader=dict(
            dataset=Pairs(), batch_size=2, num_workers=0,
            sampler=dict(type='DefaultSampler', shuffle=True)),
        train_cfg=dict(by_epoch=False, max_iters=max_iters),
        optim_wrapper=dict(optimizer=optimizer, **wrapper),
        default_hooks=dict(checkpoint=dict(
            type='CheckpointHook', interval=2, by_epoch=False)),
        custom_hooks=hooks, default_scope='mmengine',
        randomness=dict(seed=0), **kwargs)
    with tiny_lapa.mmengine_state_restored():
        runner.train()
    return runner


def _changed(a, b):
    return any(not torch.equal(a[k], b[k]) for k in a)


@pytest.fixture(autouse=True)
def _isolated_runners():
    with tiny_lapa.mmengine_state_restored():
        yield


def test_amp_skips_and_counts_non_finite_steps(tmp_path):
    keep = KeepWeights()
    runner = _train(tmp_path, nan_at={2, 3}, amp=True,
                    hooks=[NonFiniteLossHook(), keep])
    assert runner.iter == 6  # training went on
    assert runner.message_hub.get_info('non_finite_skips') == 2
    w = keep.after
    # iterations 2 and 3 left the weights as iteration 1 did
    assert not _changed(w[1], w[2]) and not _changed(w[2], w[3])
    assert all(_changed(w[i - 1], w[i]) for i in (1, 4, 5))
    assert all(torch.isfinite(v).all() for v in w[-1].values())
    # Adam's state was not touched either: 4 real steps
    state = runner.optim_wrapper.state_dict()['state']
    assert {int(s['step']) for s in state.values()} == {4}


def test_skip_count_survives_resume(tmp_path):
    _train(tmp_path, nan_at={1}, amp=True, hooks=[NonFiniteLossHook()],
           max_iters=2)
    # the resumed run's first iteration (its model's call 0) is NaN too
    runner = _train(tmp_path, nan_at={0}, amp=True,
                    hooks=[NonFiniteLossHook()], max_iters=3, resume=True)
    assert runner.iter == 3
    assert runner.message_hub.get_info('non_finite_skips') == 2


def test_without_hook_nan_reaches_the_weights(tmp_path):
    """Control: CPU bf16 AMP (no loss scaling) applies the NaN step."""
    keep = KeepWeights()
    _train(tmp_path, nan_at={2}, amp=True, hooks=[keep])
    assert not all(torch.isfinite(v).all() for v in keep.after[2].values())


def test_fp32_stops_naming_iteration_terms_and_checkpoint(tmp_path):
    keep = KeepWeights()
    with pytest.raises(NonFiniteLossError) as err:
        _train(tmp_path, nan_at={3}, amp=False,
               hooks=[NonFiniteLossHook(), keep])
    message = str(err.value)
    assert 'Non-finite loss at iteration 4' in message
    assert 'loss_fit=nan' in message and 'loss_decay=' in message
    assert f'Last good checkpoint: {tmp_path / "iter_2.pth"}' in message
    # stopped before the logger/checkpoint hooks of iteration 4, and the
    # NaN step was not applied
    assert len(keep.after) == 3
    assert not (tmp_path / 'iter_4.pth').exists()
    assert not _changed(keep.after[2], keep.runner.model.state_dict())


def test_fp32_stop_before_any_checkpoint(tmp_path):
    with pytest.raises(NonFiniteLossError, match='No checkpoint is named'):
        _train(tmp_path, nan_at={0}, amp=False, hooks=[NonFiniteLossHook()])


@pytest.mark.parametrize('limit', [None, 3])
def test_amp_stops_after_consecutive_skips(tmp_path, limit):
    """A diverged AMP run: every loss from iteration 4 on is NaN. Skipped
    steps leave the weights as they were, so after ``max_consecutive_skips``
    in a row (default 10) training stops instead of running to the end."""
    hook = (NonFiniteLossHook() if limit is None else
            NonFiniteLossHook(max_consecutive_skips=limit))
    in_a_row = 10 if limit is None else limit
    with pytest.raises(NonFiniteLossError) as err:
        _train(tmp_path, nan_at=range(3, 40), amp=True, hooks=[hook],
               max_iters=40)
    message = str(err.value)
    assert (f'{in_a_row} non-finite losses in a row (iterations '
            f'4-{3 + in_a_row})') in message
    # iter_4.pth was saved after the first skip: its weights gave the NaN
    # of iteration 4; iter_2.pth's the finite loss of iteration 3.
    assert (tmp_path / 'iter_4.pth').exists()
    assert f'Last good checkpoint: {tmp_path / "iter_2.pth"} (' in message
    assert not (tmp_path / f'iter_{4 + in_a_row}.pth').exists()


def test_amp_skips_in_a_row_restart_after_a_finite_step(tmp_path):
    runner = _train(tmp_path, nan_at={1, 2, 4, 5}, amp=True,
                    hooks=[NonFiniteLossHook(max_consecutive_skips=3)])
    assert runner.iter == 6
    assert runner.message_hub.get_info('non_finite_skips') == 4


def test_fp32_never_names_a_checkpoint_of_diverged_weights(tmp_path):
    """The learning rate x1000 from iteration 7 on: the weights grow about
    100x a step while the loss stays finite, until it overflows at
    iteration 16. Checkpoints saved meanwhile are finite but wrecked."""
    with pytest.raises(NonFiniteLossError) as err:
        _train(tmp_path, nan_at=(), amp=False, hooks=[NonFiniteLossHook()],
               max_iters=40, optimizer=dict(type='SGD', lr=0.1),
               param_scheduler=dict(type='MultiStepLR', milestones=[6],
                                    gamma=1000, by_epoch=False))
    message = str(err.value)
    assert 'Non-finite loss at iteration 16' in message
    size = {n: CheckpointLoader.load_checkpoint(str(
        tmp_path / f'iter_{n}.pth'))['state_dict']['linear.weight'].abs().max()
        for n in (6, 8, 14)}
    assert size[6] < 1 and size[8] > 1e3 and size[14] > 1e15
    assert f'Last good checkpoint: {tmp_path / "iter_6.pth"} (' in message


def test_train_tool_adds_the_hooks_by_default():
    from tools.train import add_default_hooks
    cfg = add_default_hooks(Config(dict(custom_hooks=[
        dict(type='farl_mm.StreamEpochHook'),
        dict(type='NonFiniteLossHook', skip=True)])))
    assert [h['type'] for h in cfg.custom_hooks] == [
        'farl_mm.StreamEpochHook', 'NonFiniteLossHook',
        'farl_mm.RNGStateHook', 'farl_mm.CheckpointTaskHook']
    assert add_default_hooks(Config()).custom_hooks == [
        dict(type='farl_mm.RNGStateHook'),
        dict(type='farl_mm.NonFiniteLossHook'),
        dict(type='farl_mm.CheckpointTaskHook')]


@pytest.fixture(scope='module')
def lapa(tmp_path_factory):
    return tiny_lapa.make_lapa(tmp_path_factory.mktemp('nan_lapa'))


def _nan_options(data, iters, max_iters=3):
    # the tiny UperNet config, checkpoints every 2 iterations and at the
    # end, no val
    return tiny_lapa.cfg_options(data, max_iters=max_iters, **{
        'train_cfg.val_interval': 100,
        'custom_imports.imports': '[farl_mm,nan_loss_hook]',
        'default_hooks.nan_loss.type': 'NaNLossHook',
        'default_hooks.nan_loss.iters': iters})


def test_train_tool_amp_skips(lapa, tmp_path):
    """``tools/train.py --amp`` (CPU bf16): the hook is on by default."""
    tiny_lapa.tool_inline('train.py', tiny_lapa.CONFIG, '--amp',
                          '--work-dir', tmp_path, *_nan_options(lapa, '[1]'))
    final = CheckpointLoader.load_checkpoint(str(tmp_path / 'iter_3.pth'))
    assert final['message_hub']['runtime_info']['non_finite_skips'] == 1
    assert all(torch.isfinite(v).all() for v in final['state_dict'].values()
               if v.is_floating_point())
    log = next(tmp_path.glob('2*/2*.log')).read_text()
    assert 'Non-finite loss at iteration 2 (loss terms: ' in log
    assert 'decode.loss_ce=nan' in log and '1 skipped so far' in log


def test_train_tool_amp_stops_a_diverged_run(lapa, tmp_path):
    """``--amp`` with every loss NaN from iteration 2 on and a config that
    allows 2 skips in a row: the error (the tool exits non-zero) at
    iteration 3, and no final checkpoint of the unchanged weights."""
    config = tmp_path / 'diverged.py'
    config.write_text(
        f'_base_ = [{tiny_lapa.CONFIG!r}]\n'
        'custom_hooks = [dict(type="farl_mm.NonFiniteLossHook", '
        'max_consecutive_skips=2)]\n')
    with pytest.raises(NonFiniteLossError) as err:
        tiny_lapa.tool_inline(
            'train.py', config, '--amp', '--work-dir', tmp_path,
            *_nan_options(lapa, '[1,2,3,4]', max_iters=5))
    assert ('2 non-finite losses in a row (iterations 2-3)'
            in str(err.value))
    # no checkpoint before iteration 2 (the only finite, sane loss)
    assert ('No checkpoint of this run holds weights from before the loss '
            'went bad (the last finite, sane loss was at iteration 1)'
            in str(err.value))
    assert not (tmp_path / 'iter_4.pth').exists()
    log = next(tmp_path.glob('2*/2*.log')).read_text()
    assert '2 skipped so far' in log


def test_train_tool_fp32_stops(lapa, tmp_path):
    with pytest.raises(NonFiniteLossError) as err:
        tiny_lapa.tool_inline('train.py', tiny_lapa.CONFIG, '--work-dir',
                              tmp_path, *_nan_options(lapa, '[2]'))
    message = str(err.value)
    assert 'Non-finite loss at iteration 3' in message
    assert 'decode.loss_ce=nan' in message
    # iter_2.pth holds the weights that gave this NaN: not named
    assert (tmp_path / 'iter_2.pth').exists()
    assert ('No checkpoint of this run holds weights from before the loss '
            'went bad (the last finite, sane loss was at iteration 2)'
            in message)
    assert not (tmp_path / 'iter_3.pth').exists()
