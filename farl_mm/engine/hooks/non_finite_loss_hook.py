"""Catch a NaN/inf loss before it reaches the weights."""
import logging
import os.path as osp
import statistics
from collections import deque

import torch
from mmengine.dist import all_reduce
from mmengine.hooks import Hook
from mmengine.logging import print_log
from mmengine.optim import AmpOptimWrapper, OptimWrapperDict

from ...registry import HOOKS


class NonFiniteLossError(FloatingPointError):
    """Training stopped at a non-finite loss (without AMP), or at too many in
    a row (with AMP)."""


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
      A skipped step leaves the weights as they were, so many in a row mean
      the weights themselves give non-finite losses: the run has diverged,
      and after ``max_consecutive_skips`` training stops with
      :class:`NonFiniteLossError`.
    - without AMP a non-finite loss is a fault: the step is not applied and
      training stops with :class:`NonFiniteLossError` naming the
      iteration, every loss term and the last good checkpoint.

    The last good checkpoint is the newest one saved in this run whose
    weights then gave a finite and sane loss. A diverging run's loss grows by
    orders of magnitude before it overflows, and the checkpoints saved
    meanwhile hold finite but wrecked weights: a loss counts as sane while
    ``|loss|`` is at most ``max_loss_ratio`` times the median ``|loss|`` of
    the last sane steps (a warning marks the first step above).

    In distributed training the ranks agree (one all-reduce per step of a
    flag and the largest ``|loss|``), so all skip, judge or stop together;
    backward still runs, so DDP's gradient all-reduce stays in step. With
    gradient accumulation the gradients accumulated so far are dropped with
    the bad micro-batch.

    Args:
        skip (bool, optional): Skip and count (True) or stop (False). By
            default, skip with ``AmpOptimWrapper`` and stop otherwise.
        max_consecutive_skips (int, optional): Skipped steps in a row that
            stop training; None never stops. Default 10: an overflow or a
            bad batch now and then passes with the next batch, while the
            weights of a diverged run fail on every batch; each skip wastes
            a step, so a small bound costs little.
        max_loss_ratio (float, optional): A finite loss above this many
            times the recent median (in magnitude) is not sane; None
            counts every finite loss as sane. Default 1000.
    """

    priority = 'ABOVE_NORMAL'  # before the logger and checkpoint hooks
    sane_window = 20  # the median is over this many last sane steps

    def __init__(self, skip=None, max_consecutive_skips=10,
                 max_loss_ratio=1e3):
        self.skip = skip
        self.max_consecutive_skips = max_consecutive_skips
        self.max_loss_ratio = max_loss_ratio
        self._bad_step, self._loss_size = False, None
        self._skips_in_row = 0
        self._sane_sizes = deque(maxlen=self.sane_window)
        self._last_sane = None  # 1-based iteration of the last sane loss
        self._seen_ckpt = None  # the last ``last_ckpt`` info seen
        self._ckpt_of_weights = None  # a checkpoint of the current weights
        self._good_ckpts = []  # (path, iteration whose loss verified it)

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
            loss_ = loss.detach().float()
            # one all-reduce (a no-op unless distributed): any rank bad, and
            # the largest |loss| (only used when all are finite)
            stats = torch.stack([(~torch.isfinite(loss_)).any().float(),
                                 loss_.abs().max()])
            all_reduce(stats, op='max')
            bad, size = stats.tolist()
            if not bad:
                self._loss_size = max(self._loss_size or 0., size)
                return update_params(loss, step_kwargs, zero_kwargs)
            self._bad_step = True
            wrapper.backward(wrapper.scale_loss(loss))
            wrapper.zero_grad(**(zero_kwargs or {}))

        return guarded_update_params

    def before_train_iter(self, runner, batch_idx, data_batch=None):
        # A checkpoint saved since the last iteration (or the one resumed
        # from) holds the weights this iteration's loss is computed with.
        saved = runner.message_hub.get_info('last_ckpt')
        if saved is not None and saved != self._seen_ckpt:
            self._seen_ckpt = self._ckpt_of_weights = saved

    def after_train_iter(self, runner, batch_idx, data_batch=None,
                         outputs=None):
        bad, size = self._bad_step, self._loss_size
        self._bad_step, self._loss_size = False, None
        iteration = runner.iter + 1
        if not bad:
            self._skips_in_row = 0
            if size is not None:
                self._judge(size, iteration)
            return
        terms = ', '.join(
            f'{key}={float(torch.as_tensor(value).detach()):.6g}'
            for key, value in (outputs or {}).items())
        where = f'iteration {iteration} (loss terms: {terms})'
        if not self.skip:
            raise NonFiniteLossError(
                f'Non-finite loss at {where}; the step was not applied. '
                f'{self._last_good_checkpoint()}')
        self._skips_in_row += 1
        count = runner.message_hub.get_info('non_finite_skips', 0) + 1
        runner.message_hub.update_info('non_finite_skips', count)
        print_log(
            f'Non-finite loss at {where}: optimizer step skipped, '
            f'{count} skipped so far.', logger='current',
            level=logging.WARNING)
        if (self.max_consecutive_skips is not None
                and self._skips_in_row >= self.max_consecutive_skips):
            first = iteration - self._skips_in_row + 1
            raise NonFiniteLossError(
                f'{self._skips_in_row} non-finite losses in a row '
                f'(iterations {first}-{iteration}): the run has diverged '
                '(skipped steps leave the weights as they are, and these '
                'give non-finite losses). Lower the learning rate or raise '
                'NonFiniteLossHook\'s max_consecutive_skips. '
                f'{self._last_good_checkpoint()}')

    def _judge(self, size, iteration):
        """Record whether an applied step's loss was sane."""
        if self._sane_sizes and self.max_loss_ratio is not None:
            median = statistics.median(self._sane_sizes)
            if size > self.max_loss_ratio * median:
                if self._last_sane == iteration - 1:  # the first above
                    print_log(
                        f'|loss| {size:.3g} at iteration {iteration} is over '
                        f'{self.max_loss_ratio:g} times the median of the '
                        f'last sane steps ({median:.3g}): the run may be '
                        'diverging.', logger='current',
                        level=logging.WARNING)
                self._ckpt_of_weights = None
                return
        self._sane_sizes.append(size)
        self._last_sane = iteration
        if self._ckpt_of_weights is not None:
            self._good_ckpts.append((self._ckpt_of_weights, iteration))
        self._ckpt_of_weights = None  # the step changed the weights

    def _last_good_checkpoint(self):
        for path, iteration in reversed(self._good_ckpts):
            if osp.exists(path):
                return (f'Last good checkpoint: {path} (its weights gave a '
                        f'finite, sane loss at iteration {iteration}; resume '
                        f'with `tools/train.py CONFIG --resume {path}`).')
        if self._last_sane is None:
            return ('No checkpoint is named: no loss of this run was finite '
                    'and sane.')
        return ('No checkpoint of this run holds weights from before the '
                'loss went bad (the last finite, sane loss was at iteration '
                f'{self._last_sane}).')
