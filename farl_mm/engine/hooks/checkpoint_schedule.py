"""Whether MMEngine's ``CheckpointHook`` saves at the end of this iteration
or epoch.

``Runner.save_checkpoint`` runs on rank 0 only; a hook whose part of the
checkpoint needs every rank (a collective) does that part first, in the
same ``after_train_iter`` / ``after_train_epoch`` call, when these say a
save follows.
"""
from mmengine.hooks import CheckpointHook


def checkpoint_hook(runner):
    return next((h for h in runner.hooks if isinstance(h, CheckpointHook)),
                None)


def saves_after_train_iter(runner):
    ckpt = checkpoint_hook(runner)
    return ckpt is not None and not ckpt.by_epoch and (
        ckpt.every_n_train_iters(runner, ckpt.interval, ckpt.save_begin)
        or (ckpt.save_last and ckpt.is_last_train_iter(runner)))


def saves_after_train_epoch(runner):
    ckpt = checkpoint_hook(runner)
    return ckpt is not None and ckpt.by_epoch and (
        ckpt.every_n_epochs(runner, ckpt.interval, ckpt.save_begin)
        or (ckpt.save_last and ckpt.is_last_train_epoch(runner)))
