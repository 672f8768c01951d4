"""Synthetic faces in FairFace's layout (images and label csv files)."""
import csv
import os
import os.path as osp

import numpy as np

from farl_mm.datasets.fairface import FAIRFACE_TASKS

from ..generator import SyntheticFaceGenerator
from .images import draw_and_save


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
            s = draw_and_save(gen, index, osp.join(root, file))
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
