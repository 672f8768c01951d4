"""Synthetic faces in the official on-disk formats of CelebA, LFWA and
FairFace, so the real loaders and converters run unchanged in tests.

The generator draws 17 of CelebA's 40 attributes
(:data:`farl_mm.datasets.synthetic.ATTRIBUTE_NAMES`). The other 23 columns
are written as constant ``-1`` (absent): nothing in the image could tell
them, so random values would only add noise that no model can learn, while
the file stays a complete 40-column CelebA table.
"""
import csv
import os
import os.path as osp

import cv2
import numpy as np

from .celeba import CELEBA_ATTRIBUTES, write_celeba_table
from .fairface import FAIRFACE_TASKS
from .synthetic import SyntheticFaceGenerator

LANDMARK_COLUMNS = ('lefteye_x lefteye_y righteye_x righteye_y nose_x '
                    'nose_y leftmouth_x leftmouth_y rightmouth_x '
                    'rightmouth_y').split()


def _attribute_row(sample):
    return [1 if sample.attributes.get(name, 0) else -1
            for name in CELEBA_ATTRIBUTES]


def _draw(gen, index, path):
    sample = gen.sample(index)
    cv2.imwrite(path, sample.image, [cv2.IMWRITE_JPEG_QUALITY, 95])
    return sample


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
        s = _draw(gen, index, osp.join(root, 'img_align_celeba', name))
        points = np.rint(s.landmarks('5')).astype(int).ravel()
        names.append(name)
        attrs.append((name, _attribute_row(s)))
        marks.append((name, points.tolist()))
    write_celeba_table(osp.join(root, 'list_attr_celeba.txt'),
                       CELEBA_ATTRIBUTES, attrs)
    write_celeba_table(osp.join(root, 'list_landmarks_align_celeba.txt'),
                       LANDMARK_COLUMNS, marks)
    with open(osp.join(root, 'list_eval_partition.txt'), 'w') as f:
        f.writelines(f'{n} {p}\n' for n, p in zip(names, parts))
    return names


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
        s = _draw(gen, index, osp.join(root, 'lfw', name))
        names.append(name)
        labels.append([int(v > 0) for v in _attribute_row(s)])
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


def write_fairface(root, num_train, num_val, seed=0, size=128):
    """FairFace's layout: ``train/{i}.jpg``, ``val/{i}.jpg`` and
    ``fairface_label_{train,val}.csv``.

    Gender is the drawn ``Male``; race is ``White`` exactly when the drawn
    skin is pale, otherwise one of the six other groups at random; age is
    random (the drawing shows no age). So gender is learnable, race only
    White vs not, age not at all.
    """
    gen = SyntheticFaceGenerator(size=size, seed=seed)
    rng = np.random.default_rng(seed)
    index = 0
    for split, num in (('train', num_train), ('val', num_val)):
        os.makedirs(osp.join(root, split), exist_ok=True)
        rows = []
        for i in range(1, num + 1):
            file = f'{split}/{i}.jpg'
            s = _draw(gen, index, osp.join(root, file))
            index += 1
            races = FAIRFACE_TASKS['race']
            race = races[0] if s.attributes['Pale_Skin'] else \
                races[1 + rng.integers(len(races) - 1)]
            rows.append(dict(
                file=file,
                age=FAIRFACE_TASKS['age'][
                    rng.integers(len(FAIRFACE_TASKS['age']))],
                gender='Male' if s.attributes['Male'] else 'Female',
                race=race, service_test='False'))
        with open(osp.join(root, f'fairface_label_{split}.csv'), 'w',
                  newline='') as f:
            writer = csv.DictWriter(f, fieldnames=list(rows[0]))
            writer.writeheader()
            writer.writerows(rows)
