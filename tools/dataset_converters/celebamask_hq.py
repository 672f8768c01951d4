"""Convert the CelebAMask-HQ release into ``{split}/{images,labels}``.

    python tools/dataset_converters/celebamask_hq.py /path/to/CelebAMask-HQ \
        --partition /path/to/list_eval_partition.txt \
        --out data/celebamask_hq [--size 512] [--nproc 8]

Each face's part masks are merged into one label PNG in FaRL's order (later
parts overwrite earlier ones: ``CELEBAMASK_PARTS``); the 1024-px photo is
resized (area) to the masks' 512 px so image and label share one grid. The
split comes from CelebA's ``list_eval_partition.txt`` (not part of the
CelebAMask-HQ archive; it ships with CelebA) through
``CelebA-HQ-to-CelebA-mapping.txt``.
"""
import argparse
import collections
import functools
import os
import os.path as osp

import cv2
import mmengine

from farl_mm.datasets.celebamask_hq import (CELEBAMASK_PARTS,
                                            merge_part_masks,
                                            read_celebamask_splits)


def convert_face(idx, split, src, out, size):
    """Write ``{out}/{split}/images/{idx}.jpg`` and ``labels/{idx}.png``."""
    img_path = osp.join(src, 'CelebA-HQ-img', f'{idx}.jpg')
    img = cv2.imread(img_path, cv2.IMREAD_COLOR)
    if img is None:
        raise FileNotFoundError(f'cannot read {img_path}')
    mask_dir = osp.join(src, 'CelebAMask-HQ-mask-anno', str(idx // 2000))
    masks = {}
    for part in CELEBAMASK_PARTS:
        path = osp.join(mask_dir, f'{idx:05d}_{part}.png')
        if osp.exists(path):
            mask = cv2.imread(path, cv2.IMREAD_GRAYSCALE)
            if mask is None:
                raise ValueError(f'cannot read mask {path}')
            masks[part] = cv2.resize(
                mask, (size, size), interpolation=cv2.INTER_NEAREST) > 127
    label = merge_part_masks(masks, (size, size))
    img = cv2.resize(img, (size, size), interpolation=cv2.INTER_AREA)
    cv2.imwrite(osp.join(out, split, 'images', f'{idx}.jpg'), img,
                [cv2.IMWRITE_JPEG_QUALITY, 95])
    cv2.imwrite(osp.join(out, split, 'labels', f'{idx}.png'), label)


def convert(src, out, partition=None, size=512, nproc=1):
    """Convert every face of ``src``; returns ``{split: count}``."""
    partition = partition or osp.join(src, 'list_eval_partition.txt')
    mapping = osp.join(src, 'CelebA-HQ-to-CelebA-mapping.txt')
    for path in (mapping, partition):
        if not osp.isfile(path):
            raise FileNotFoundError(
                f'{path} not found (the partition file ships with CelebA; '
                'pass it with --partition)')
    splits = read_celebamask_splits(mapping, partition)
    for split in set(splits.values()):
        for kind in ('images', 'labels'):
            os.makedirs(osp.join(out, split, kind), exist_ok=True)
    work = functools.partial(_convert_item, src=src, out=out, size=size)
    items = sorted(splits.items())
    if nproc > 1:
        mmengine.track_parallel_progress(work, items, nproc)
    else:
        mmengine.track_progress(work, items)
    return dict(collections.Counter(splits.values()))


def _convert_item(item, src, out, size):
    convert_face(item[0], item[1], src, out, size)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('src', help='the extracted CelebAMask-HQ folder')
    parser.add_argument('--partition',
                        help="CelebA's list_eval_partition.txt "
                        '(default: SRC/list_eval_partition.txt)')
    parser.add_argument('--out', default='data/celebamask_hq')
    parser.add_argument('--size', type=int, default=512,
                        help='side of the written images and labels')
    parser.add_argument('--nproc', type=int, default=1)
    args = parser.parse_args()
    counts = convert(args.src, args.out, args.partition, args.size,
                     args.nproc)
    for split, num in sorted(counts.items()):
        print(f'{split}: {num} faces -> {osp.join(args.out, split)}')


if __name__ == '__main__':
    main()
