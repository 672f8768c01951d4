"""Check a CelebA download for farl_mm's ``CelebAAttributes``.

The dataset reads CelebA's own files, so nothing is converted; this checks
that every file the configs need is there and consistent, and prints the
split sizes (official: 162,770 / 19,867 / 19,962)::

    python tools/dataset_converters/celeba.py data/celeba

Expected layout (the "Align&Cropped Images" release)::

    data/celeba/img_align_celeba/000001.jpg ...
    data/celeba/list_attr_celeba.txt
    data/celeba/list_eval_partition.txt
    data/celeba/list_landmarks_align_celeba.txt
"""
import argparse
import os.path as osp

from farl_mm.datasets.celeba import (CELEBA_ATTRIBUTES, SPLITS,
                                     read_celeba_table, read_partition)
from farl_mm.utils.preflight import require

OFFICIAL_SIZES = dict(train=162770, val=19867, test=19962)


def check_celeba(root, images='img_align_celeba',
                 attr='list_attr_celeba.txt',
                 partition='list_eval_partition.txt',
                 landmarks='list_landmarks_align_celeba.txt'):
    """Validate the files; return ``{split: count}``.

    Raises:
        FileNotFoundError / ValueError: naming the file and what is wrong.
    """
    paths = [osp.join(root, f) for f in (attr, partition, landmarks)]
    for path in paths:
        require(path, 'download CelebA (Align&Cropped Images and '
                     'Anno/, Eval/) into ' + root)
    columns, names, _ = read_celeba_table(paths[0])
    if tuple(columns) != CELEBA_ATTRIBUTES:
        raise ValueError(f'{paths[0]}: not the 40 CelebA attributes')
    parts = read_partition(paths[1])
    _, lm_names, lm = read_celeba_table(paths[2])
    if lm.shape[1] != 10:
        raise ValueError(f'{paths[2]}: expected 10 values per row')
    for what, have in (('partition', parts), ('landmarks', set(lm_names))):
        lacking = [n for n in names if n not in have]
        if lacking:
            raise ValueError(f'{what} file lacks {len(lacking)} images, '
                             f'e.g. {lacking[0]}')
    absent = [n for n in names if not osp.isfile(osp.join(root, images, n))]
    if absent:
        raise FileNotFoundError(
            f'{len(absent)} images missing under '
            f'{osp.join(root, images)}, e.g. {absent[0]}')
    return {split: sum(parts[n] == code for n in names)
            for split, code in SPLITS.items()}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('root', help='CelebA root')
    args = parser.parse_args(argv)
    sizes = check_celeba(args.root)
    for split, count in sizes.items():
        note = '' if count == OFFICIAL_SIZES[split] else \
            f' (official: {OFFICIAL_SIZES[split]})'
        print(f'{split}: {count}{note}')
    return sizes


if __name__ == '__main__':
    main()
