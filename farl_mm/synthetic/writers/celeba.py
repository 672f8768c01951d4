"""Synthetic faces in CelebA's aligned-image release layout, so the real
loader runs unchanged in tests.

The generator draws 17 of CelebA's 40 attributes
(:data:`farl_mm.synthetic.ATTRIBUTE_NAMES`). The other 23 columns
are written as constant ``-1`` (absent): nothing in the image could tell
them, so random values would only add noise that no model can learn, while
the file stays a complete 40-column CelebA table.
"""
import os
import os.path as osp

import numpy as np

from farl_mm.datasets.celeba import CELEBA_ATTRIBUTES, write_celeba_table

from ..generator import SyntheticFaceGenerator
from .images import draw_and_save

LANDMARK_COLUMNS = ('lefteye_x lefteye_y righteye_x righteye_y nose_x '
                    'nose_y leftmouth_x leftmouth_y rightmouth_x '
                    'rightmouth_y').split()


def attribute_row(sample):
    """CelebA's 40 columns of a sample: 1 present, -1 absent or not drawn."""
    return [1 if sample.attributes.get(name, 0) else -1
            for name in CELEBA_ATTRIBUTES]


def write_celeba(root, num_train, num_val, num_test, seed=0, size=128):
    """CelebA's aligned-image release: ``img_align_celeba/{000001}.jpg``,
    ``list_attr_celeba.txt``, ``list_eval_partition.txt`` and
    ``list_landmarks_align_celeba.txt`` (integer pixels, as CelebA's).

    Returns:
        list[str]: Image names in file order (train, val, test).
    """
    gen = SyntheticFaceGenerator(size=size, seed=seed)
    os.makedirs(osp.join(root, 'img_align_celeba'), exist_ok=True)
    parts = [0] * num_train + [1] * num_val + [2] * num_test
    names, attrs, marks = [], [], []
    for index in range(len(parts)):
        name = f'{index + 1:06d}.jpg'
        s = draw_and_save(gen, index, osp.join(root, 'img_align_celeba', name))
        points = np.rint(s.landmarks('5')).astype(int).ravel()
        names.append(name)
        attrs.append((name, attribute_row(s)))
        marks.append((name, points.tolist()))
    write_celeba_table(osp.join(root, 'list_attr_celeba.txt'),
                       CELEBA_ATTRIBUTES, attrs)
    write_celeba_table(osp.join(root, 'list_landmarks_align_celeba.txt'),
                       LANDMARK_COLUMNS, marks)
    with open(osp.join(root, 'list_eval_partition.txt'), 'w') as f:
        f.writelines(f'{n} {p}\n' for n, p in zip(names, parts))
    return names
