"""Checkpoints with a ZeRO-sharded optimizer under MMEngine's Runner."""
from mmengine.dist import get_rank
from mmengine.hooks import Hook
from torch.distributed.optim import ZeroRedundancyOptimizer

from farl_mm.registry import HOOKS
from .checkpoint_schedule import (saves_after_train_epoch,
                                  saves_after_train_iter)


@HOOKS.register_module()
class ZeroCheckpointHook(Hook):
    """Gather the sharded optimizer state on every rank before a save.

    With ``ZeroRedundancyOptimizer`` each rank holds the AdamW states of its
    parameter shard. Saving needs them on rank 0, which
    ``consolidate_state_dict`` does with collectives that *every* rank must
    join, but MMEngine calls the optimizer's ``state_dict`` inside the
    master-only ``Runner.save_checkpoint``: rank 0 then waits for ranks that
    never come (seen on gloo: the run dies at its first checkpoint). This
    hook runs just before :class:`~mmengine.hooks.CheckpointHook` (priority
    LOW < VERY_LOW), asks it whether it is about to save, consolidates on
    all ranks if so, and lets rank 0's following ``state_dict`` skip its
    own consolidation once. Resuming needs nothing: ZeRO's
    ``load_state_dict`` takes the full state on every rank.
    """
    priority = 'LOW'

    def after_train_iter(self, runner, batch_idx, data_batch=None,
                         outputs=None):
        if saves_after_train_iter(runner):
            self._consolidate(runner)

    def after_train_epoch(self, runner):
        if saves_after_train_epoch(runner):
            self._consolidate(runner)

    @staticmethod
    def _consolidate(runner):
        optimizer = runner.optim_wrapper.optimizer
        if not isinstance(optimizer, ZeroRedundancyOptimizer):
            return
        optimizer.consolidate_state_dict(to=0)
        if get_rank() == 0:  # mmengine's state_dict() consolidates again
            def skip_once(*args, **kwargs):
                del optimizer.consolidate_state_dict  # back to the method
            optimizer.consolidate_state_dict = skip_once
