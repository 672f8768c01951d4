"""Convert LFWA's MATLAB annotations to the CelebA text format that
farl_mm's ``LFWADataset`` reads::

    python tools/dataset_converters/lfwa.py data/lfwa [--landmarks FILE]

Reads ``lfw_att_40.mat`` (``name``: image paths under ``lfw/``, ``label``:
N x 40 in {0, 1}) and ``indices_train_test.mat`` (1-based
``indices_img_train`` / ``indices_img_test``: the 6,263 / 6,880 split), and
writes next to them ``list_attr_lfwa.txt`` and
``list_eval_partition_lfwa.txt`` (0 = train, 2 = test). The variable names
can be changed with ``--name-key`` etc. if a copy spells them differently.

LFWA ships no landmarks; the paper aligns with RetinaFace's five points.
``--landmarks FILE`` (CelebA landmark layout, rows named like ``name``)
is copied to ``list_landmarks_lfwa.txt`` after checking it covers every
image; configs then set ``landmarks_file='list_landmarks_lfwa.txt'``.
"""
import argparse
import os.path as osp
import shutil

import numpy as np

from farl_mm.datasets.celeba import (CELEBA_ATTRIBUTES, read_celeba_table,
                                     write_celeba_table)
from farl_mm.utils.preflight import require


def _mat_var(mat, key, path):
    if key not in mat:
        found = sorted(k for k in mat if not k.startswith('__'))
        raise KeyError(f'{path} has no variable {key!r} (found {found})')
    return mat[key]


def _strings(cells):
    """A MATLAB cell array of strings as a list of str."""
    return [str(np.asarray(c).ravel()[0]) if np.asarray(c).size else ''
            for c in np.asarray(cells, dtype=object).ravel()]


def convert_lfwa(root, landmarks=None, name_key='name', label_key='label',
                 train_key='indices_img_train', test_key='indices_img_test'):
    """Write the CelebA-format files; return ``{'train': n, 'test': m}``."""
    from scipy.io import loadmat
    attr_mat = osp.join(root, 'lfw_att_40.mat')
    split_mat = osp.join(root, 'indices_train_test.mat')
    for path in (attr_mat, split_mat):
        require(path, 'download LFWA (lfw/, lfw_att_40.mat, '
                     'indices_train_test.mat) into ' + root)
    mat = loadmat(attr_mat)
    names = _strings(_mat_var(mat, name_key, attr_mat))
    labels = np.asarray(_mat_var(mat, label_key, attr_mat))
    if labels.shape != (len(names), len(CELEBA_ATTRIBUTES)):
        raise ValueError(f'{attr_mat}: {label_key} has shape {labels.shape}, '
                         f'expected ({len(names)}, 40)')
    split = loadmat(split_mat)
    part = np.full(len(names), -1)
    for key, code in ((train_key, 0), (test_key, 2)):
        idx = np.asarray(_mat_var(split, key, split_mat)).ravel() - 1
        if idx.min() < 0 or idx.max() >= len(names):
            raise ValueError(f'{split_mat}: {key} out of 1..{len(names)}')
        part[idx] = code
    if (part < 0).any():
        raise ValueError(f'{split_mat}: {(part < 0).sum()} images in '
                         'neither split')
    write_celeba_table(osp.join(root, 'list_attr_lfwa.txt'),
                       CELEBA_ATTRIBUTES,
                       list(zip(names, np.where(labels > 0, 1, -1))))
    with open(osp.join(root, 'list_eval_partition_lfwa.txt'), 'w') as f:
        f.writelines(f'{n} {p}\n' for n, p in zip(names, part))
    if landmarks is not None:
        _, lm_names, lm = read_celeba_table(landmarks)
        lacking = sorted(set(names) - set(lm_names))
        if lm.shape[1] != 10 or lacking:
            raise ValueError(f'{landmarks}: need 5 points for every image '
                             f'({len(lacking)} missing)')
        shutil.copyfile(landmarks, osp.join(root, 'list_landmarks_lfwa.txt'))
    return dict(train=int((part == 0).sum()), test=int((part == 2).sum()))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('root', help='LFWA root (lfw/ and the .mat files)')
    parser.add_argument('--landmarks', help='5-point landmarks, CelebA '
                        'landmark layout')
    for key, default in (('name', 'name'), ('label', 'label'),
                         ('train', 'indices_img_train'),
                         ('test', 'indices_img_test')):
        parser.add_argument(f'--{key}-key', default=default)
    args = parser.parse_args(argv)
    sizes = convert_lfwa(args.root, args.landmarks, args.name_key,
                         args.label_key, args.train_key, args.test_key)
    print(', '.join(f'{k}: {v}' for k, v in sizes.items()))
    return sizes


if __name__ == '__main__':
    main()
