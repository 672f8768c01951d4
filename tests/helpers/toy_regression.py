"""A linear model and eight 2-d points: the Runner loop of the checkpoint
and hook tests that need real training steps but no face model."""
import torch
from mmengine.model import BaseModel
from torch import nn
from torch.utils.data import Dataset


class ToyModel(BaseModel):
    """``Linear(2, 1)``; squared error against the target in ``'loss'``."""

    def __init__(self):
        super().__init__()
        self.linear = nn.Linear(2, 1)

    def forward(self, inputs, targets, mode='tensor'):
        out = self.linear(torch.stack(inputs)).squeeze(1)
        if mode == 'loss':
            return dict(loss=((out - torch.stack(targets))**2).mean())
        return out


class Pairs(Dataset):
    """``x = (i/8, 1 - i/8)``, target ``sum(x) / 2`` (= 0.5 for every i)."""

    def __len__(self):
        return 8

    def __getitem__(self, index):
        x = torch.tensor([index / 8., 1. - index / 8.])
        return dict(inputs=x, targets=x.sum() * 0.5)
