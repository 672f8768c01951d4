"""Synthetic faces in LFWA's layout as its authors distribute it (``lfw/``
and two MATLAB files), attributes and five points as in
:mod:`.celeba`."""
import os
import os.path as osp

import numpy as np

from farl_mm.datasets.celeba import CELEBA_ATTRIBUTES, write_celeba_table

from ..generator import SyntheticFaceGenerator
from .celeba import LANDMARK_COLUMNS, attribute_row
from .images import draw_and_save


def write_lfwa(root, num_train, num_test, seed=0, size=128):
    """LFWA as its authors distribute it: ``lfw/{person}/{person}_0001.jpg``
    plus MATLAB files ``lfw_att_40.mat`` (``name``: image paths relative to
    ``lfw/``, ``label``: ``(N, 40)`` 0/1) and ``indices_train_test.mat``
    (1-based ``indices_img_train`` / ``indices_img_test``). Also writes the
    five points as ``landmarks_5.txt`` (CelebA landmark layout), standing in
    for a face detector's output.

    Returns:
        list[str]: Image paths relative to ``lfw/``.
    """
    from scipy.io import savemat
    gen = SyntheticFaceGenerator(size=size, seed=seed)
    names, labels, marks = [], [], []
    for index in range(num_train + num_test):
        person = f'Synthetic_Person_{index // 3:04d}'
        name = f'{person}/{person}_{index % 3 + 1:04d}.jpg'
        os.makedirs(osp.join(root, 'lfw', person), exist_ok=True)
        s = draw_and_save(gen, index, osp.join(root, 'lfw', name))
        names.append(name)
        labels.append([int(v > 0) for v in attribute_row(s)])
        marks.append((name, np.round(s.landmarks('5'), 2).ravel().tolist()))
    savemat(osp.join(root, 'lfw_att_40.mat'), dict(
        name=np.array(names, dtype=object).reshape(-1, 1),
        label=np.array(labels, dtype=np.uint8),
        AttrName=np.array(CELEBA_ATTRIBUTES, dtype=object)))
    order = np.arange(1, len(names) + 1)
    savemat(osp.join(root, 'indices_train_test.mat'), dict(
        indices_img_train=order[:num_train].reshape(-1, 1),
        indices_img_test=order[num_train:].reshape(-1, 1)))
    write_celeba_table(osp.join(root, 'landmarks_5.txt'), LANDMARK_COLUMNS,
                       marks)
    return names
