"""Synthetic faces in AFLW's release layout: ``AFLWinfo_release.mat`` (the
19-point version) and ``flickr/`` images, as the AFLW-19 converter in
``tools/dataset_converters`` reads them."""
import os.path as osp

import numpy as np

from .images import draw_faces, save_jpeg


def write_aflw_mat(root, num, seed=0, size=128, hidden_every=3):
    """``{root}/AFLWinfo_release.mat`` and ``{root}/flickr/{0,2,3}/*.jpg``.

    Every ``hidden_every``-th face has its chin (point 18) marked hidden
    in ``mask_new``, so the frontal subset is a strict subset. ``ra`` is a
    seeded 1-based permutation.

    Returns:
        dict: The arrays written (for tests).
    """
    from scipy.io import savemat
    faces = draw_faces(num, seed, size)
    names, data, bbox, mask = [], [], [], []
    for i, face in enumerate(faces):
        name = f'{(0, 2, 3)[i % 3]}/image{i:05d}.jpg'
        save_jpeg(osp.join(root, 'flickr', name), face.image)
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
