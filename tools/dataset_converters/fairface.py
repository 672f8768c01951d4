"""Check a FairFace download for farl_mm's ``FairFace`` dataset.

The dataset reads FairFace's label csv files directly; this checks that
every labelled image exists and every label is a known class, and prints
the per-race counts::

    python tools/dataset_converters/fairface.py data/fairface

Expected layout (e.g. the padding-0.25 release)::

    data/fairface/train/1.jpg ...   data/fairface/val/1.jpg ...
    data/fairface/fairface_label_train.csv
    data/fairface/fairface_label_val.csv
"""
import argparse
import collections
import os.path as osp

from farl_mm.datasets.fairface import FAIRFACE_TASKS, FairFaceDataset


def check_fairface(root):
    """Validate both splits; return ``{split: Counter of race names}``."""
    counts = {}
    for split in ('train', 'val'):
        data = FairFaceDataset(root, ann_file=f'fairface_label_{split}.csv')
        infos = [data.get_data_info(i) for i in range(len(data))]
        absent = [d['img_path'] for d in infos
                  if not osp.isfile(d['img_path'])]
        if absent:
            raise FileNotFoundError(f'{len(absent)} images of {split} '
                                    f'missing, e.g. {absent[0]}')
        races = FAIRFACE_TASKS['race']
        counts[split] = collections.Counter(
            races[d['gt_label']['race']] for d in infos)
    return counts


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('root', help='FairFace root')
    args = parser.parse_args(argv)
    counts = check_fairface(args.root)
    for split, counter in counts.items():
        print(f'{split}: {sum(counter.values())} '
              + ', '.join(f'{k} {v}' for k, v in sorted(counter.items())))
    return counts


if __name__ == '__main__':
    main()
