"""Few-shot training subsets (paper Table 2: 1% and 10% of a training set).

The subset is a prefix of one seeded permutation, so the subsets of one
seed are nested: the 1% samples are among the 10% ones, and a run on more
data only adds samples. Any mmengine dataset can be cut down this way
(mmengine's ``BaseDataset.get_subset``), which is how the parsing,
alignment and attribute configs share one definition::

    train_dataloader = dict(dataset=dict(
        _delete_=True, type='farl_mm.few_shot_subset', fraction=0.1,
        seed=0, dataset=_base_.train_dataloader.dataset))
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
def few_shot_subset(dataset, fraction, seed=0):
    """``dataset`` cut down to the samples of :func:`few_shot_indices`.

    The result is the dataset's own class (mmengine's ``get_subset``), so
    its metainfo, checks and refetches of a failed sample stay within the
    subset.

    Args:
        dataset (BaseDataset | dict): The full dataset or its config.
        fraction (float): Share of samples to keep, in ``(0, 1]``.
        seed (int): Subset seed; nested across fractions.
    """
    if isinstance(dataset, dict):
        dataset = DATASETS.build(dataset)
    if not isinstance(dataset, BaseDataset):
        raise TypeError('few_shot_subset takes an mmengine BaseDataset, '
                        f'got {type(dataset).__name__}')
    dataset.full_init()
    return dataset.get_subset(few_shot_indices(len(dataset), fraction, seed))
