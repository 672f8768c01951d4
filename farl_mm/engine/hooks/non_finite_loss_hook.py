"""Catch a NaN/inf loss before it reaches the weights."""
import logging
import os.path as osp

import torch
from mmengine.dist import all_reduce
from mmengine.hooks import Hook
from mmengine.logging import print_log
from mmengine.optim import AmpOptimWrapper, OptimWrapperDict

from ...registry import HOOKS


class NonFiniteLossError(FloatingPointError):
    """Training stopped at a non-finite loss (without AMP)."""


@HOOKS.register_module()
class NonFiniteLossHook(Hook):
    """Never apply an optimizer step whose loss is NaN or infinite.

    A non-finite loss writes NaN into every weight it reaches, and the run
    goes on logging ``nan`` until someone looks. This hook checks the loss
    each optim wrapper is given, before backward's step:

    - with AMP (``AmpOptimWrapper``; ``tools/train.py --amp``) an overflow
      now and then is expected: the step is skipped (weights and optimizer
      state untouched), counted, and the count logged and kept across
      resumes (``message_hub`` info ``non_finite_skips``). fp16 loss scaling
      skips steps whose *gradients* overflow by itself; bf16 on CPU does not.
    - without AMP a non-finite loss is a fault: the step is not applied and
      training stops with :class:`NonFiniteLossError` naming the
      iteration, every loss term and the last checkpoint to resume from.

    In distributed training the ranks agree (one all-reduce of a flag per
    step), so all skip or stop together; backward still runs, so DDP's
    gradient all-reduce stays in step. With gradient accumulation the
    gradients accumulated so far are dropped with the bad micro-batch.

    Args:
        skip (bool, optional): Skip and count (True) or stop (False). By
            default, skip with ``AmpOptimWrapper`` and stop otherwise.
    """

    priority = 'ABOVE_NORMAL'  # before the logger and checkpoint hooks

    def __init__(self, skip=None):
        self.skip = skip
        self._bad_step = False

    def before_train(self, runner):
        wrapper = runner.optim_wrapper
        wrappers = (list(wrapper.values())
                    if isinstance(wrapper, OptimWrapperDict) else [wrapper])
        if self.skip is None:
            self.skip = all(isinstance(w, AmpOptimWrapper) for w in wrappers)
        for w in wrappers:
            w.update_params = self._guarded(w, w.update_params)

    def _guarded(self, wrapper, update_params):

        def guarded_update_params(loss, step_kwargs=None, zero_kwargs=None):
            bad = (~torch.isfinite(loss.detach())).any().float()
            all_reduce(bad, op='max')  # a no-op unless distributed
            if not bad:
                return update_params(loss, step_kwargs, zero_kwargs)
            self._bad_step = True
            wrapper.backward(wrapper.scale_loss(loss))
            wrapper.zero_grad(**(zero_kwargs or {}))

        return guarded_update_params

    def after_train_iter(self, runner, batch_idx, data_batch=None,
                         outputs=None):
        if not self._bad_step:
            return
        self._bad_step = False
        terms = ', '.join(
            f'{key}={float(torch.as_tensor(value).detach()):.6g}'
            for key, value in (outputs or {}).items())
        where = f'iteration {runner.iter + 1} (loss terms: {terms})'
        if self.skip:
            count = runner.message_hub.get_info('non_finite_skips', 0) + 1
            runner.message_hub.update_info('non_finite_skips', count)
            print_log(
                f'Non-finite loss at {where}: optimizer step skipped, '
                f'{count} skipped so far.', logger='current',
                level=logging.WARNING)
            return
        raise NonFiniteLossError(
            f'Non-finite loss at {where}; the step was not applied. '
            f'{self._last_checkpoint(runner)}')

    @staticmethod
    def _last_checkpoint(runner):
        last = runner.message_hub.get_info('last_ckpt')
        if last is None:
            saved = osp.join(runner.work_dir, 'last_checkpoint')
            if osp.isfile(saved):
                with open(saved) as f:
                    last = f.read().strip() or None
        if last is None:
            return 'No checkpoint was saved yet.'
        return (f'Last good checkpoint: {last} (resume with '
                f'`tools/train.py CONFIG --resume {last}`).')
