"""Make ``--resume`` continue a run exactly as if it had not stopped."""
import logging
import random

import numpy as np
import torch
from mmengine.dataset import InfiniteSampler
from mmengine.dist import all_gather_object, get_dist_info, get_world_size
from mmengine.hooks import Hook
from mmengine.logging import print_log
from mmengine.runner.loops import _InfiniteDataloaderIterator
from torch.utils.data import IterableDataset

from ...registry import HOOKS
from .checkpoint_schedule import (saves_after_train_epoch,
                                  saves_after_train_iter)
from .stream_epoch_hook import StreamEpochHook


def get_rng_state():
    """python, numpy and torch (CPU and CUDA) generator states, as data:
    ints, lists and uint8 tensors, which ``weights_only`` loading allows."""
    version, mt_state, gauss = random.getstate()
    kind, key, pos, has_gauss, cached = np.random.get_state()
    state = dict(
        python=[version, list(mt_state), gauss],
        numpy=[kind, torch.from_numpy(key.astype(np.int64)), int(pos),
               int(has_gauss), float(cached)],
        torch=torch.get_rng_state())
    if torch.cuda.is_available() and torch.cuda.is_initialized():
        state['cuda'] = torch.cuda.get_rng_state_all()
    return state


def set_rng_state(state):
    """Undo :func:`get_rng_state`'s conversions and set every generator."""
    version, mt_state, gauss = state['python']
    random.setstate((version, tuple(mt_state), gauss))
    kind, key, pos, has_gauss, cached = state['numpy']
    np.random.set_state(
        (kind, key.numpy().astype(np.uint32), pos, has_gauss, cached))
    torch.set_rng_state(state['torch'])
    if 'cuda' in state and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state['cuda'])


class _RestoreAfterSkip:
    """The train loop's data iterator, which sets the saved RNG states once
    the loop has skipped the ``skip`` batches already trained.

    MMEngine's ``IterBasedTrainLoop`` resumes by calling ``next()`` on its
    iterator ``runner.iter`` times, then fetches the first new batch; only
    the iterator sees the moment in between. Whole passes over the data are
    not re-read where a pass's order is a function of its number
    (``DefaultSampler.set_epoch``, ``LAIONFaceDataset.set_epoch``): the
    iterator is put where the last skipped pass ended and only the batches
    of the current pass are read again. An ``InfiniteSampler`` (one endless
    index stream) is re-read from the start. Hooks that
    follow the data stream (:class:`StreamEpochHook`) are told of each
    re-read batch as they would be of a trained one.
    """

    def __init__(self, loop, runner, skip, state):
        self._loop, self._runner = loop, runner
        self._iterator = loop.dataloader_iterator
        self._skip, self._state, self._calls = skip, state, 0
        self._followers = [h for h in runner.hooks
                           if isinstance(h, StreamEpochHook)]
        self._passed = self._skip_passes()

    def _skip_passes(self):
        """Leave the iterator at the end of the last whole skipped pass (the
        next ``next()`` starts a pass as it did in the saved run); returns
        the number of batches that skips."""
        iterator = self._iterator
        loader = getattr(iterator, '_dataloader', None)
        if (not isinstance(iterator, _InfiniteDataloaderIterator)
                or (loader.num_workers > 0 and loader.persistent_workers)):
            return 0  # persistent workers' generators must replay the data
        dataset = loader.dataset
        if hasattr(dataset, 'batches_per_epoch'):
            per_pass = dataset.batches_per_epoch(
                loader.batch_size, loader.num_workers, loader.drop_last)
        elif isinstance(dataset, IterableDataset):
            return 0  # pass length unknown
        else:  # the order of a pass must follow from its number alone
            sampler = getattr(loader.batch_sampler, 'sampler', None)
            if (not hasattr(sampler, 'set_epoch')
                    or isinstance(sampler, InfiniteSampler)):
                return 0  # one endless stream, or shuffled by torch's RNG
            per_pass = len(loader)
        passes = self._skip // per_pass
        if passes == 0:
            return 0
        iterator._epoch = passes - 1
        iterator._iterator = iter(())  # the next ``next()`` starts a pass
        if hasattr(dataset, 'set_epoch'):  # as StreamEpochHook would
            dataset.set_epoch(passes)
        print_log(
            f'Resuming at iteration {self._skip}: {passes} whole passes '
            f'({passes * per_pass} batches) skipped unread, '
            f'{self._skip - passes * per_pass} batches re-read.',
            logger='current')
        return passes * per_pass

    def __getattr__(self, name):
        return getattr(self._iterator, name)

    def __iter__(self):
        return self

    def __next__(self):
        call, self._calls = self._calls, self._calls + 1
        if call == self._skip:  # the first batch to train
            set_rng_state(self._state)
            self._loop.dataloader_iterator = self._iterator
            return next(self._iterator)
        if call < self._passed:
            return None  # in a pass skipped whole; the loop discards it
        batch = next(self._iterator)
        for hook in self._followers:
            hook.after_train_iter(self._runner, call)
        return batch


@HOOKS.register_module()
class RNGStateHook(Hook):
    """Saves the random generators' states in every checkpoint and sets them
    again on resume, at the point where the saved run was.

    MMEngine saves no generator state: a resumed run draws other
    augmentations, masks and dropout than the run it continues. With this
    hook a run killed and resumed ends with the same weights, bit for bit on
    CPU, as one that was never stopped, given data whose order is a function
    of (seed, epoch), as mmengine's samplers and ``LAIONFaceDataset`` are.
    Validation keeps the training generators as it found them, so that
    whether a run validated since its last checkpoint changes nothing.

    Iter-based loops skip the trained batches and then set the states
    (whole passes are skipped unread, the current one is re-read, see
    :class:`_RestoreAfterSkip`); epoch-based ones set them before training,
    as they resume at an epoch's start. With ``num_workers > 0`` the
    workers' generators are seeded per data iterator by ``(seed, rank,
    worker)`` (mmengine's ``worker_init_fn``) and replay the same way while
    the current pass is re-read; ``persistent_workers`` keep theirs across
    passes, so then every pass since the start is re-read.

    Every rank's states are saved: rank 0 writes the checkpoint, so they are
    gathered there just before a save (in the ``after_train_iter`` or
    ``after_train_epoch`` call that ends with one, and before validation
    for ``save_best``), and each rank resumes with its own. Resumed with
    another number of ranks, every rank takes rank 0's, with a warning. The
    seed, which seeds samplers and workers before any checkpoint is loaded,
    is the checkpoint's too (:func:`farl_mm.engine.resume.resolve_resume`,
    in ``tools/train.py``).
    """

    priority = 'VERY_HIGH'
    KEY = 'rng_state'  # rank 0's states
    RANKS_KEY = 'rng_state_ranks'  # every rank's, in a multi-rank run

    def __init__(self):
        self._resumed = self._saved_ranks = None
        self._val_state = self._val_states = None
        self._gathered = None  # ((iter, epoch), every rank's states)

    def after_train_iter(self, runner, batch_idx, data_batch=None,
                         outputs=None):
        if saves_after_train_iter(runner):
            self._gathered = (runner.iter, runner.epoch), _every_rank(
                get_rng_state())

    def after_train_epoch(self, runner):
        if saves_after_train_epoch(runner):
            self._gathered = (runner.iter, runner.epoch), _every_rank(
                get_rng_state())

    def before_save_checkpoint(self, runner, checkpoint):
        # a checkpoint saved while validating (save_best) holds the states
        # training will continue with: those from before validation
        if self._val_states is not None:
            states = self._val_states
        elif self._gathered and self._gathered[0] == (runner.iter,
                                                      runner.epoch):
            # rank 0's as they are now, after every hook before this save
            states = [get_rng_state(), *self._gathered[1][1:]]
        else:  # a save no hook announced: rank 0's states only
            states = [get_rng_state()]
        checkpoint['meta'][self.KEY] = states[0]
        if len(states) > 1:
            checkpoint['meta'][self.RANKS_KEY] = states

    def after_load_checkpoint(self, runner, checkpoint):
        meta = checkpoint.get('meta', {})
        rank, world_size = get_dist_info()
        ranks = meta.get(self.RANKS_KEY)
        self._saved_ranks = len(ranks) if ranks else 1
        if self._saved_ranks == world_size and ranks:
            self._resumed = ranks[rank]
        else:
            self._resumed = meta.get(self.KEY)

    def before_train(self, runner):
        state, self._resumed = self._resumed, None
        if state is None or runner.iter == 0:
            return  # a fresh run: ``load_from`` loads weights only
        if self._saved_ranks != runner.world_size:
            print_log(
                f'The checkpoint holds the generator states of '
                f'{self._saved_ranks} rank(s), this run has '
                f'{runner.world_size}: every rank resumes with rank 0\'s, '
                'so this run draws other random numbers than the saved run '
                'would have.', logger='current', level=logging.WARNING)
        loop = runner.train_loop
        if hasattr(loop, 'dataloader_iterator'):  # iter-based: skip first
            loop.dataloader_iterator = _RestoreAfterSkip(
                loop, runner, runner.iter, state)
        else:
            set_rng_state(state)

    def before_val(self, runner):
        self._val_state = get_rng_state()
        self._val_states = _every_rank(self._val_state)

    def after_val(self, runner):
        if self._val_state is not None:
            set_rng_state(self._val_state)
            self._val_state = self._val_states = None


def _every_rank(state):
    """Every rank's ``state``, in rank order (a collective)."""
    return all_gather_object(state) if get_world_size() > 1 else [state]
