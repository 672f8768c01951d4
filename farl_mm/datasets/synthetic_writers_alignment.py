"""Synthetic faces in the face alignment datasets' official formats.

The converters in ``tools/dataset_converters`` are then tested end to end
on files laid out exactly as the real downloads: AFLW-19's
``AFLWinfo_release.mat`` + ``flickr/`` images, WFLW's
``list_98pt_rect_attr_*.txt`` + ``WFLW_images/``, and HRNet's 300W csv
lists.
"""
import os
import os.path as osp

import cv2
import numpy as np

from .alignment_formats import WFLW_ATTRIBUTES
from .synthetic import SyntheticFaceGenerator


def _faces(num, seed, size, start=0):
    gen = SyntheticFaceGenerator(size=size, seed=seed)
    return [gen.sample(i) for i in range(start, start + num)]


def _save(path, image):
    os.makedirs(osp.dirname(path), exist_ok=True)
    cv2.imwrite(path, image, [cv2.IMWRITE_JPEG_QUALITY, 95])


def write_aflw_mat(root, num, seed=0, size=128, hidden_every=3):
    """``{root}/AFLWinfo_release.mat`` and ``{root}/flickr/{0,2,3}/*.jpg``.

    Every ``hidden_every``-th face has its chin (point 18) marked hidden
    in ``mask_new``, so the frontal subset is a strict subset. ``ra`` is a
    seeded 1-based permutation.

    Returns:
        dict: The arrays written (for tests).
    """
    from scipy.io import savemat
    faces = _faces(num, seed, size)
    names, data, bbox, mask = [], [], [], []
    for i, face in enumerate(faces):
        name = f'{(0, 2, 3)[i % 3]}/image{i:05d}.jpg'
        _save(osp.join(root, 'flickr', name), face.image)
        points = face.landmarks('aflw').astype(np.float64)
        x1, y1, x2, y2 = face.box.astype(np.float64)
        names.append(name)
        data.append(np.concatenate([points[:, 0], points[:, 1]]))
        bbox.append([x1, x2, y1, y2])  # l, r, t, b
        visible = np.ones(19)
        if hidden_every and i % hidden_every == 0:
            visible[18] = 0
        mask.append(visible)
    name_cells = np.empty((num, 1), dtype=object)
    for i, name in enumerate(names):
        name_cells[i, 0] = name
    arrays = dict(
        nameList=name_cells, data=np.asarray(data), bbox=np.asarray(bbox),
        mask_new=np.asarray(mask),
        ra=(np.random.default_rng(seed).permutation(num) + 1)[None])
    savemat(osp.join(root, 'AFLWinfo_release.mat'), arrays)
    return arrays


def write_wflw(root, num_train, num_test, seed=0, size=128):
    """WFLW's official layout: ``{root}/WFLW_images/*/*.jpg`` and
    ``{root}/WFLW_annotations/list_98pt_rect_attr_train_test/
    list_98pt_rect_attr_{train,test}.txt``. Attribute ``j`` is set on
    test faces whose index is divisible by ``j + 2``."""
    ann_dir = osp.join(root, 'WFLW_annotations',
                       'list_98pt_rect_attr_train_test')
    os.makedirs(ann_dir, exist_ok=True)
    start = 0
    for split, num in (('train', num_train), ('test', num_test)):
        lines = []
        for i, face in enumerate(_faces(num, seed, size, start)):
            name = f'{i % 2}--Synthetic/{split}_{start + i:05d}.jpg'
            _save(osp.join(root, 'WFLW_images', name), face.image)
            flags = [int(split == 'test' and i % (j + 2) == 0)
                     for j in range(len(WFLW_ATTRIBUTES))]
            values = [f'{v:.4f}' for v in face.landmarks('wflw').ravel()]
            values += [str(int(round(v))) for v in face.box]
            lines.append(' '.join(values + [str(f) for f in flags] + [name]))
        with open(osp.join(ann_dir, f'list_98pt_rect_attr_{split}.txt'),
                  'w') as f:
            f.write('\n'.join(lines) + '\n')
        start += num


def write_300w_csv(root, num_train, num_common, num_challenge,
                   num_official=0, seed=0, size=128):
    """HRNet's 300W lists under ``{root}/`` (``face_landmarks_300w_
    {train,valid_common,valid_challenge,valid,test}.csv``) and images
    under ``{root}/images/``; ``scale`` is ``max(w, h) / 200`` of the
    face box. An empty HRNet split is a header-only list; the official
    test list is written only when ``num_official`` is not 0."""
    header = ['image_name', 'scale', 'center_w', 'center_h'] + [
        f'original_{k}_{c}' for k in range(68) for c in 'xy']
    splits = (('train', num_train), ('valid_common', num_common),
              ('valid_challenge', num_challenge), ('test', num_official))
    rows, start = {}, 0
    for split, num in splits:
        rows[split] = []
        for i, face in enumerate(_faces(num, seed, size, start)):
            name = f'{split}/image_{start + i:05d}.jpg'
            _save(osp.join(root, 'images', name), face.image)
            x1, y1, x2, y2 = face.box
            scale = max(x2 - x1, y2 - y1) / 200
            rows[split].append(
                [name, f'{scale:.6f}', f'{(x1 + x2) / 2:.4f}',
                 f'{(y1 + y2) / 2:.4f}'] +
                [f'{v:.4f}' for v in face.landmarks('300w').ravel()])
        start += num
    rows['valid'] = rows['valid_common'] + rows['valid_challenge']
    for split, lines in rows.items():
        if split == 'test' and not lines:  # the optional official list
            continue
        with open(osp.join(root, f'face_landmarks_300w_{split}.csv'),
                  'w') as f:
            f.write('\n'.join(','.join(r) for r in [header, *lines]) + '\n')
