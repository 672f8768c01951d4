"""Log what the streaming training data skipped, by reason."""
import logging

import torch
from mmengine.dist import all_reduce
from mmengine.hooks import Hook
from mmengine.logging import print_log

from ...datasets.laion_face import SHARD_ERROR
from ...datasets.laion_face_decode import FACE_REASONS
from ...registry import HOOKS


def summarize(names, counts):
    """One line: samples read and skipped, by reason; unreadable shards."""
    counts = dict(zip(names, counts))
    yielded = counts.pop('yielded')
    faces = {k: counts.pop(k) for k in FACE_REASONS}
    shards = {k[len(SHARD_ERROR):]: counts.pop(k) for k in list(counts)
              if k.startswith(SHARD_ERROR)}
    skipped = sum(counts.values())
    read = yielded + skipped
    text = (f'{skipped} of {read} samples skipped '
            f'({100.0 * skipped / max(read, 1):.2f}%)')
    reasons = ', '.join(f'{k} {v}' for k, v in counts.items() if v)
    text += f': {reasons}' if reasons else ''
    for name, n in faces.items():
        text += f'; {n} faces removed ({name})' if n else ''
    bad = ', '.join(f'{url} ({n}x)' for url, n in shards.items() if n)
    return text + (f'; unreadable shards: {bad}' if bad else '')


def totals_over_ranks(counter):
    """A :class:`~farl_mm.datasets.shared_counter.SharedCounter`'s values
    summed over ranks, int64 tensor (every rank must call this)."""
    counts = torch.from_numpy(counter.values())
    all_reduce(counts)  # sum; a no-op without a process group
    return counts


@HOOKS.register_module()
class BadSampleReportHook(Hook):
    """Logs the skip counts of a :class:`~farl_mm.datasets.LAIONFaceDataset`.

    The counts live in shared memory that every dataloader worker adds to
    (they run ahead of training by the prefetched batches); the hook sums
    them over ranks and logs, on rank 0, a summary of each epoch and,
    every ``interval`` iterations, of what was skipped since the last
    report if anything was (iter-based pretraining has one long epoch).
    Counts start when the dataset is built: a resumed run counts anew.

    Args:
        interval (int): Iterations between reports within an epoch.
    """

    priority = 'LOW'

    def __init__(self, interval=500):
        self.interval = interval
        self._counter = self._last = self._epoch_start = None

    def before_train(self, runner):
        self._counter = getattr(runner.train_dataloader.dataset, 'counter',
                                None)
        if self._counter is None:
            print_log(f'{type(self).__name__}: the training dataset counts '
                      'no skipped samples; nothing to report',
                      logger='current', level=logging.WARNING)
            return
        # from zero, not a snapshot: the loop's dataloader iterator, and with
        # it the workers, may have started before this hook runs
        self._last = self._epoch_start = torch.zeros(
            len(self._counter.names), dtype=torch.int64)

    def after_train_iter(self, runner, batch_idx, data_batch=None,
                         outputs=None):
        if self._counter is None or not self.every_n_train_iters(
                runner, self.interval):
            return
        totals = self._totals()
        delta = totals - self._last
        if (delta[1:] > 0).any():  # anything but 'yielded'
            self._log(f'Iter {runner.iter + 1}, since the last report', delta)
        self._last = totals

    def after_train_epoch(self, runner):
        if self._counter is None:
            return
        totals = self._totals()
        self._log(f'Epoch {runner.epoch + 1}', totals - self._epoch_start)
        self._epoch_start = self._last = totals

    def _totals(self):
        return totals_over_ranks(self._counter)

    def _log(self, when, counts):
        print_log(f'{when}: {summarize(self._counter.names, counts.tolist())}',
                  logger='current')
