"""Check a config's weights (and other files) before any training step."""
from mmengine.hooks import Hook
from mmengine.runner import BaseLoop

from farl_mm.registry import HOOKS
from farl_mm.utils.preflight import require_all


@HOOKS.register_module()
class PreflightHook(Hook):
    """Fail at ``before_run``, ahead of weight initialisation, when a file
    is missing, naming it and the command that prepares it.

    Datasets check their own annotation files when they are built (which
    the Runner does before any hook runs); this covers the rest, e.g. the
    converted FaRL checkpoint a backbone's ``init_cfg`` loads.

    Args:
        files (dict): ``path -> command`` (or ``path -> (command, what)``).
        train_only (bool): Check only when training; a test run loads a
            whole checkpoint and does not read the backbone's init weights.
    """

    priority = 'VERY_HIGH'

    def __init__(self, files, train_only=True):
        self.files = dict(files)
        self.train_only = train_only

    def before_run(self, runner):
        # Runner.train builds its loop before this call; test/val do not.
        training = isinstance(runner._train_loop, BaseLoop)
        if training or not self.train_only:
            require_all(self.files)
