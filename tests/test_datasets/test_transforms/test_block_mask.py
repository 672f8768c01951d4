"""BlockMaskGenerator: at most N patches, as the paper and BEiT's own code
draw them (mmpretrain's generator always masks exactly N)."""
import collections
import os.path as osp

import numpy as np
from mmengine.config import Config

from farl_mm.registry import TRANSFORMS

REPO = osp.dirname(osp.dirname(osp.dirname(osp.dirname(
    osp.abspath(__file__)))))
SHARDS = osp.join(REPO, 'configs', '_base_', 'datasets',
                  'laion_face_shards.py')


def mask_counts(transform, draws, seed=0):
    np.random.seed(seed)
    masks = [transform({})['mask'] for _ in range(draws)]
    assert all(m.shape == (14, 14) and set(np.unique(m)) <= {0, 1}
               for m in masks)
    return collections.Counter(int(m.sum()) for m in masks)


def test_pretraining_masks_at_most_75_of_196_patches():
    cfg = Config.fromfile(SHARDS)
    [mask_cfg] = [t for t in cfg.text_and_mask if 'Mask' in t['type']]
    transform = TRANSFORMS.build(mask_cfg)
    counts = mask_counts(transform, 400)
    print('masked patches: count', sorted(counts.items()))
    # seen (seed 0): 75 in 270 of 400, 70-74 in the other 130
    assert max(counts) == 75
    assert min(counts) < 75
    assert 0.5 < counts[75] / 400 < 0.85
    assert min(counts) >= 75 - 16  # a failed block of >= 16 ends the mask


def test_stops_when_no_block_fits():
    # a 4x4 grid, 6 patches in blocks of >= 2 (the tiny config): the last
    # patch often fits no block, and the mask then ends at 5
    transform = TRANSFORMS.build(dict(
        type='farl_mm.BlockMaskGenerator', input_size=4,
        num_masking_patches=6, min_num_patches=2))
    np.random.seed(0)
    counts = collections.Counter(int(transform({})['mask'].sum())
                                 for _ in range(2000))
    assert set(counts) == {5, 6} and counts[5] > 0
