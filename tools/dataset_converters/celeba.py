"""Check a CelebA download for farl_mm's ``CelebADataset``.

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

from farl_mm.datasets.celeba import SPLITS, read_celeba_annotations
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
    names, _, parts, _ = read_celeba_annotations(*paths)
    absent = [n for n in names if not osp.isfile(osp.join(root, images, n))]
    if absent:
        raise FileNotFoundError(
            f'{len(absent)} images missing under '
            f'{osp.join(root, images)}, e.g. {absent[0]}')
    return {split: int((parts == code).sum())
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
