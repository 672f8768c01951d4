"""Every checkpoint names its task; a tested one must be of the model's."""
from mmengine.hooks import Hook

from farl_mm.registry import HOOKS
from farl_mm.utils.checkpoint_task import (TASK_KEY, check_task,
                                           check_weights, state_dict_of,
                                           task_of_model)


@HOOKS.register_module()
class CheckpointTaskHook(Hook):
    """Write the model's task (``pretrain``, ``parsing``, ``alignment``,
    ``attributes``; :mod:`farl_mm.utils.checkpoint_task`) into every
    checkpoint's ``meta['farl_mm_task']``, so inference can refuse a
    checkpoint of another task by name.

    Args:
        check_loaded (bool): Also refuse, before its weights are copied, a
            checkpoint the Runner loads (``load_from``; ``tools/test.py``)
            that belongs to another task or lacks some of the model's
            tensors (mmengine only warns, and tests a random head). Off
            for training, where ``load_from`` may initialise from another
            task.
    """

    priority = 'VERY_HIGH'  # refuse before other hooks act on the file

    def __init__(self, check_loaded=False):
        self.check_loaded = check_loaded

    def before_save_checkpoint(self, runner, checkpoint):
        task = task_of_model(runner.model)
        if task is not None:
            checkpoint.setdefault('meta', {})[TASK_KEY] = task

    def after_load_checkpoint(self, runner, checkpoint):
        if not self.check_loaded or runner.cfg.get('resume'):
            return
        source = runner.cfg.get('load_from') or 'the loaded checkpoint'
        check_task(checkpoint, task_of_model(runner.model), source)
        check_weights(runner.model, state_dict_of(checkpoint), source)
