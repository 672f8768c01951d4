"""Synthetic faces in CelebAMask-HQ's release layout, for converter tests and
the demo (LaPa's layout: :func:`farl_mm.synthetic.writers.write_lapa`).

The release: ``CelebA-HQ-img/{idx}.jpg`` (1024 px),
``CelebAMask-HQ-mask-anno/{idx // 2000}/{idx:05d}_{part}.png`` (512 px, one
0/255 mask per part present), ``CelebA-HQ-to-CelebA-mapping.txt`` (CelebA-HQ
index -> CelebA file) and CelebA's ``list_eval_partition.txt`` (CelebA file
-> 0 train / 1 val / 2 test). Here images are ``2 * size`` and masks
``size`` px, keeping the release's 2:1 ratio.
"""
import os
import os.path as osp

import cv2
import numpy as np

from ..generator import SyntheticFaceGenerator

SPLIT_IDS = dict(train=0, val=1, test=2)

#: CelebAMask-HQ part -> LaPa class ids of the synthetic parsing map.
_LAPA_PARTS = dict(skin=(1, 2, 3, 4, 5, 6, 7, 8, 9), l_brow=(2, ),
                   r_brow=(3, ), l_eye=(4, ), r_eye=(5, ), nose=(6, ),
                   u_lip=(7, ), mouth=(8, ), l_lip=(9, ), hair=(10, ))
#: CelebAMask-HQ part -> name in ``FaceSample.masks``.
_EXTRA_PARTS = dict(eye_g='eyeglasses', hat='hat', neck='neck',
                    cloth='cloth', l_ear='l_ear', r_ear='r_ear')


def synthetic_part_masks(sample):
    """CelebAMask-HQ part masks of a synthetic face (non-empty ones only).

    ``skin`` covers the whole face, eyes and mouth included, as the
    release's skin masks do; the merge order puts the parts on top.
    """
    masks = {part: np.isin(sample.parsing, ids)
             for part, ids in _LAPA_PARTS.items()}
    masks.update({part: sample.masks[name]
                  for part, name in _EXTRA_PARTS.items()})
    return {part: m for part, m in masks.items() if m.any()}


def write_celebamask_hq(root, num_per_split, seed=0, size=64):
    """Write synthetic faces in CelebAMask-HQ's release layout.

    CelebA-HQ indices run ``0..N-1`` over the splits in the order given;
    their CelebA file numbers are shuffled, as in the release, and the
    partition file also lists CelebA files that are not in CelebA-HQ.

    Args:
        root (str): Release root (``CelebAMask-HQ``); the partition file is
            written inside it.
        num_per_split (dict[str, int]): e.g. ``dict(train=8, test=4)``.
        seed (int): Generator seed.
        size (int): Mask side; images are twice as large.

    Returns:
        dict[str, list[int]]: CelebA-HQ indices of each split.
    """
    gen = SyntheticFaceGenerator(size=2 * size, seed=seed)
    total = sum(num_per_split.values())
    rng = np.random.default_rng(seed)
    celeba_ids = rng.permutation(3 * total)  # 0-based CelebA numbers
    img_dir = osp.join(root, 'CelebA-HQ-img')
    os.makedirs(img_dir, exist_ok=True)
    mapping = ['idx orig_idx orig_file']
    partition = {}
    splits, start = {}, 0
    for split, num in num_per_split.items():
        splits[split] = list(range(start, start + num))
        start += num
        for idx in splits[split]:
            sample = gen.sample(idx)
            cv2.imwrite(osp.join(img_dir, f'{idx}.jpg'), sample.image,
                        [cv2.IMWRITE_JPEG_QUALITY, 95])
            mask_dir = osp.join(root, 'CelebAMask-HQ-mask-anno',
                                str(idx // 2000))
            os.makedirs(mask_dir, exist_ok=True)
            for part, mask in synthetic_part_masks(sample).items():
                small = cv2.resize(mask.astype(np.uint8) * 255, (size, size),
                                   interpolation=cv2.INTER_NEAREST)
                cv2.imwrite(osp.join(mask_dir, f'{idx:05d}_{part}.png'),
                            small)
            orig = int(celeba_ids[idx])
            mapping.append(f'{idx} {orig} {orig + 1:06d}.jpg')
            partition[orig] = SPLIT_IDS[split]
    for orig in celeba_ids[total:]:  # CelebA files outside CelebA-HQ
        partition[int(orig)] = int(rng.integers(3))
    with open(osp.join(root, 'CelebA-HQ-to-CelebA-mapping.txt'), 'w') as f:
        f.write('\n'.join(mapping) + '\n')
    with open(osp.join(root, 'list_eval_partition.txt'), 'w') as f:
        f.writelines(f'{orig + 1:06d}.jpg {split}\n'
                     for orig, split in sorted(partition.items()))
    return splits
