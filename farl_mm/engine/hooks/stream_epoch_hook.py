"""Tell a streaming dataset which epoch the Runner is in."""
import logging

from mmengine.hooks import Hook
from mmengine.logging import print_log

from ...registry import HOOKS


@HOOKS.register_module()
class StreamEpochHook(Hook):
    """Keeps ``train_dataloader.dataset.set_epoch`` in step with training.

    MMEngine reshuffles map-style data through ``sampler.set_epoch``; an
    iterable dataset has no sampler, and non-persistent dataloader workers
    get a fresh copy of the main process's dataset at every pass, so without
    this hook each pass would replay the same shard order and a resumed
    epoch-based run would restart from epoch 0's order.

    Epoch-based loops: ``set_epoch(runner.epoch)`` before each epoch.
    Iter-based loops restart the dataloader when it runs dry (a count kept
    by MMEngine's ``_InfiniteDataloaderIterator``); after each iteration the
    dataset is told the number of the next pass.

    A stream's workers batch separately, so an epoch can hold more batches
    than ``len(train_dataloader)`` (which sets the schedule's length); the
    hook warns before training when that happens.
    """

    priority = 'NORMAL'

    def before_train(self, runner):
        loader = runner.train_dataloader
        if not hasattr(loader.dataset, 'batches_per_epoch'):
            return
        real = loader.dataset.batches_per_epoch(
            loader.batch_size, loader.num_workers, loader.drop_last)
        if real != len(loader):
            print_log(
                f'Each epoch yields {real} batches per rank, not '
                f'len(train_dataloader)={len(loader)}: every worker batches '
                f'its own {len(loader.dataset)}/{max(1, loader.num_workers)}'
                ' samples. Make the samples per rank a multiple of '
                'num_workers x batch_size for an exact schedule.',
                logger='current', level=logging.WARNING)

    def before_train_epoch(self, runner):
        if not hasattr(runner.train_loop, 'dataloader_iterator'):
            self._set(runner, runner.epoch)

    def after_train_iter(self, runner, batch_idx, data_batch=None,
                         outputs=None):
        iterator = getattr(runner.train_loop, 'dataloader_iterator', None)
        if iterator is not None:
            self._set(runner, getattr(iterator, '_epoch', 0) + 1)

    @staticmethod
    def _set(runner, epoch):
        dataset = runner.train_dataloader.dataset
        if hasattr(dataset, 'set_epoch'):
            dataset.set_epoch(epoch)
