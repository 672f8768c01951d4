"""Eight 2-d points and their target: the data of the hook tests that need
a real Runner loop but no face model."""
import torch
from torch.utils.data import Dataset


class Pairs(Dataset):
    """``x = (i/8, 1 - i/8)``, target ``sum(x) / 2`` (= 0.5 for every i)."""

    def __len__(self):
        return 8

    def __getitem__(self, index):
        x = torch.tensor([index / 8., 1. - index / 8.])
        return dict(inputs=x, targets=x.sum() * 0.5)
