"""Few-shot training subsets (paper Table 2: 1% and 10% of a training set).

The subset is a prefix of one seeded permutation, so the subsets of one
seed are nested: the 1% samples are among the 10% ones, and a run on more
data only adds samples. Any mmengine dataset can be wrapped, which is how
the parsing, alignment and attribute configs share one definition.
"""
import math

import numpy as np
from mmengine.dataset import BaseDataset

from farl_mm.registry import DATASETS


def few_shot_indices(num, fraction, seed=0):
    """Indices of a deterministic, nested ``fraction`` of ``range(num)``.

    Args:
        num (int): Size of the full set.
        fraction (float): Share to keep, in ``(0, 1]``; at least one
            sample is kept.
        seed (int): Permutation seed; the same seed gives nested subsets
            for every fraction.

    Returns:
        list[int]: Sorted indices, ``floor(fraction * num)`` of them (at
        least one): the counts of the paper's Table 9, e.g. 325 of CelebA's
        162,770 training faces at 0.2%.
    """
    if not 0 < fraction <= 1:
        raise ValueError(f'few-shot fraction must be in (0, 1], got '
                         f'{fraction}')
    keep = max(1, math.floor(fraction * num + 1e-9))
    order = np.random.default_rng(seed).permutation(num)
    return sorted(order[:keep].tolist())


@DATASETS.register_module()
class FewShotDataset:
    """A fixed, seeded share of another dataset (see :func:`few_shot_indices`).

    Args:
        dataset (BaseDataset | dict): The full dataset or its config.
        fraction (float): Share of samples to keep, in ``(0, 1]``.
        seed (int): Subset seed; nested across fractions.
    """

    def __init__(self, dataset, fraction, seed=0):
        if isinstance(dataset, dict):
            dataset = DATASETS.build(dataset)
        if not isinstance(dataset, BaseDataset):
            raise TypeError('FewShotDataset wraps an mmengine BaseDataset, '
                            f'got {type(dataset).__name__}')
        self.dataset = dataset
        self.fraction = fraction
        self.seed = seed
        self.indices = few_shot_indices(len(dataset), fraction, seed)

    @property
    def metainfo(self):
        return self.dataset.metainfo

    def __len__(self):
        return len(self.indices)

    def __getitem__(self, idx):
        return self.dataset[self.indices[idx]]

    def get_data_info(self, idx):
        return self.dataset.get_data_info(self.indices[idx])
