"""Test support: a config ``tools/train.py`` trains in about a second, that
sets no seed (as the shipped configs) and on whose ranks the random
generators run apart.

Each rank seeds its generators with the seed plus its rank
(``diff_rank_seed``, as mmpretrain's self-supervised configs do).
``RankNoisyPairs`` jitters each sample with numpy, drawing more numbers for
some samples than for others (as a rejection-sampling crop does);
``DropoutToy`` draws a dropout mask from torch's in every step.
``FreezeRankHook`` stops one rank in its tracks. All are registered in
mmengine's root registries, for the config of :func:`write_config`.
"""
import os.path as osp
import time

import numpy as np
import torch
from mmengine.dist import get_rank
from mmengine.hooks import Hook
from mmengine.model import BaseModel
from mmengine.registry import DATASETS, HOOKS, MODELS
from torch import nn
from torch.utils.data import Dataset

CONFIG = """\
custom_imports = dict(imports=['farl_mm', 'toy_train'])
default_scope = 'mmengine'
randomness = dict(seed=None, diff_rank_seed=True)
model = dict(type='DropoutToy')
train_dataloader = dict(
    dataset=dict(type='RankNoisyPairs'), batch_size=2, num_workers=0,
    sampler=dict(type='InfiniteSampler', shuffle=True))
train_cfg = dict(type='IterBasedTrainLoop', max_iters={max_iters})
optim_wrapper = dict(optimizer=dict(type='Adam', lr=0.01))
default_hooks = dict(
    logger=dict(type='LoggerHook', interval=1),
    checkpoint=dict(type='CheckpointHook', by_epoch=False,
                    interval={interval}))
visualizer = dict(type='Visualizer',
                  vis_backends=[dict(type='LocalVisBackend')])
"""


def write_config(folder, max_iters=8, interval=4):
    """``{folder}/toy_train_config.py`` (not ``toy_train.py``: a script
    run in ``folder`` would import that instead of this module)."""
    path = folder / 'toy_train_config.py'
    path.write_text(CONFIG.format(max_iters=max_iters, interval=interval))
    return path


@DATASETS.register_module()
class RankNoisyPairs(Dataset):
    """``x = (i/8, 1 - i/8)`` plus ``1 + i % 3`` uniform draws; target
    ``sum(x) / 2``."""

    def __len__(self):
        return 8

    def __getitem__(self, index):
        x = torch.tensor([index / 8., 1. - index / 8.])
        x = x + float(np.random.uniform(-0.1, 0.1, 1 + index % 3).sum())
        return dict(inputs=x, targets=x.sum() * 0.5)


@MODELS.register_module()
class DropoutToy(BaseModel):

    def __init__(self):
        super().__init__()
        self.linear = nn.Linear(2, 8)
        self.out = nn.Linear(8, 1)
        self.dropout = nn.Dropout(0.5)

    def forward(self, inputs, targets, mode='tensor'):
        hidden = self.dropout(self.linear(torch.stack(inputs)))
        out = self.out(hidden).squeeze(1)
        return dict(loss=((out - torch.stack(targets))**2).mean())


@HOOKS.register_module()
class FreezeRankHook(Hook):
    """Rank ``rank`` sleeps ``seconds`` before training iteration ``iter``,
    as a rank stuck in I/O or a deadlock would; it writes the time it froze
    (``time.time()``) to ``{work_dir}/frozen_at`` first."""

    def __init__(self, rank=1, iter=1, seconds=600):
        self.rank, self.iter, self.seconds = rank, iter, seconds

    def before_train_iter(self, runner, batch_idx, data_batch=None):
        if get_rank() == self.rank and runner.iter == self.iter:
            with open(osp.join(runner.work_dir, 'frozen_at'), 'w') as f:
                f.write(repr(time.time()))
            time.sleep(self.seconds)
