"""Test support: every rank saves its parameters before and after training.

Registered in mmengine's root ``HOOKS``, so a config of any scope can add it
(``tests/test_compat/test_dist.py`` does, through ``--cfg-options``). The
files are ``{work_dir}/rank{R}_{init,final}.pth``: plain tensors, loadable
with ``weights_only=True``.
"""
import os.path as osp

import torch
from mmengine.dist import get_rank
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper
from mmengine.registry import HOOKS


@HOOKS.register_module()
class DumpRankWeightsHook(Hook):
    """Save this rank's parameters (not buffers: BN statistics are local)."""

    priority = 'LOWEST'

    def before_train(self, runner):
        self._dump(runner, 'init')

    def after_train(self, runner):
        self._dump(runner, 'final')

    @staticmethod
    def _dump(runner, tag):
        model = runner.model.module if is_model_wrapper(runner.model) \
            else runner.model
        params = {name: p.detach().cpu().clone()
                  for name, p in model.named_parameters()}
        torch.save(params, osp.join(runner.work_dir,
                                    f'rank{get_rank()}_{tag}.pth'))
