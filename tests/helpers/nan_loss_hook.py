"""Test support: make the model's loss NaN at chosen iterations.

Registered in mmengine's root ``HOOKS``; a config adds it through
``--cfg-options default_hooks.nan_loss.type=NaNLossHook
default_hooks.nan_loss.iters=[3]``. It wraps the model's ``loss`` method, so
the first loss term comes out NaN at those iterations and every other
part of the step (data, forward, optim wrapper, hooks) is the real one.
"""
import math

from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper
from mmengine.registry import HOOKS


@HOOKS.register_module()
class NaNLossHook(Hook):

    def __init__(self, iters=()):
        self.iters = set(iters)

    def before_train(self, runner):
        model = runner.model
        if is_model_wrapper(model):
            model = model.module
        loss = model.loss

        def nan_loss(*args, **kwargs):
            losses = loss(*args, **kwargs)
            if runner.iter in self.iters:
                first = next(k for k in losses if 'loss' in k)
                losses[first] = losses[first] * math.nan
            return losses

        model.loss = nan_loss
