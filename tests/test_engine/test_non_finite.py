"""``NonFiniteLossHook``: a NaN loss never reaches the weights. With AMP the
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


def _train(work_dir, nan_at, amp, hooks, max_iters=6, **kwargs):
    wrapper = dict(type='AmpOptimWrapper') if amp else dict()
    runner = Runner(
        model=NaNAtModel(nan_at), work_dir=str(work_dir),
        experiment_name=f'nonfinite{next(_runs)}_{work_dir.name}',
        train_dataloader=dict(
            dataset=Pairs(), batch_size=2, num_workers=0,
            sampler=dict(type='DefaultSampler', shuffle=True)),
        train_cfg=dict(by_epoch=False, max_iters=max_iters),
        optim_wrapper=dict(optimizer=dict(type='Adam', lr=0.05), **wrapper),
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
    with pytest.raises(NonFiniteLossError, match='No checkpoint was saved'):
        _train(tmp_path, nan_at={0}, amp=False, hooks=[NonFiniteLossHook()])


def test_train_tool_adds_the_hooks_by_default():
    from tools.train import add_default_hooks
    cfg = add_default_hooks(Config(dict(custom_hooks=[
        dict(type='farl_mm.StreamEpochHook'),
        dict(type='NonFiniteLossHook', skip=True)])))
    assert [h['type'] for h in cfg.custom_hooks] == [
        'farl_mm.StreamEpochHook', 'NonFiniteLossHook',
        'farl_mm.RNGStateHook']
    assert add_default_hooks(Config()).custom_hooks == [
        dict(type='farl_mm.RNGStateHook'),
        dict(type='farl_mm.NonFiniteLossHook')]


@pytest.fixture(scope='module')
def lapa(tmp_path_factory):
    return tiny_lapa.make_lapa(tmp_path_factory.mktemp('nan_lapa'))


def _nan_options(data, iters):
    # the tiny UperNet config, 3 iterations, checkpoints at 2 and 3, no val
    return tiny_lapa.cfg_options(data, max_iters=3, **{
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


def test_train_tool_fp32_stops(lapa, tmp_path):
    with pytest.raises(NonFiniteLossError) as err:
        tiny_lapa.tool_inline('train.py', tiny_lapa.CONFIG, '--work-dir',
                              tmp_path, *_nan_options(lapa, '[2]'))
    message = str(err.value)
    assert 'Non-finite loss at iteration 3' in message
    assert 'decode.loss_ce=nan' in message
    assert f'Last good checkpoint: {tmp_path / "iter_2.pth"}' in message
    assert not (tmp_path / 'iter_3.pth').exists()
