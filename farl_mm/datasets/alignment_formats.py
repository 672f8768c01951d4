"""Readers of the face alignment datasets' official files, and the
COCO-style records mmpose's face datasets load.

Pure functions: ``tools/dataset_converters/{aflw19,300w,wflw}.py`` are
thin command lines around them (one :func:`converter_parser`). Every
record is ``(file_name, points (K, 2), visible (K,), box (x1, y1, x2,
y2), subsets)``; :func:`to_coco` turns a list of them into the json mmpose
reads (``center`` / ``scale`` with its 200-pixel unit, plus the real box
and the subset flags that :class:`farl_mm.FaceLandmarkMetric` scores).
"""
import argparse
import csv
import os
import os.path as osp
from typing import NamedTuple

import numpy as np

#: WFLW's six attribute columns, in file order, as subset names.
WFLW_ATTRIBUTES = ('pose', 'expression', 'illumination', 'makeup',
                   'occlusion', 'blur')


class FaceRecord(NamedTuple):
    file_name: str
    points: np.ndarray
    visible: np.ndarray
    box: np.ndarray
    subsets: tuple = ()


def _numbers(fields, path, line):
    """``fields`` as floats; a bad one (``nan`` and ``inf`` included: the
    official lists have none) is named with its file and line."""
    try:
        values = np.asarray(fields, dtype=np.float64)
    except ValueError as err:
        raise ValueError(f'{path}:{line}: {err}') from None
    if not np.isfinite(values).all():
        raise ValueError(f'{path}:{line}: NaN or inf in field '
                         f'{int(np.flatnonzero(~np.isfinite(values))[0])}')
    return values


def read_aflw_mat(mat_path, num_train=20000):
    """AFLW-19 from ``AFLWinfo_release.mat``: ``{'train', 'test'}``.

    ``bbox`` is ``(l, r, t, b)``, ``data`` is ``x1..x19, y1..y19``,
    ``mask_new`` marks visible points and ``ra`` (1-based, as MATLAB
    writes it) is the permutation whose first ``num_train`` entries are
    the training set. Test faces with all 19 points visible get the
    ``frontal`` flag. All 19 coordinates are kept visible for scoring:
    the protocol uses every point.
    """
    from scipy.io import loadmat
    if not osp.isfile(mat_path):
        raise FileNotFoundError(f'AFLW-19: {mat_path} not found')
    mat = loadmat(mat_path)
    for key in ('bbox', 'data', 'mask_new', 'nameList', 'ra'):
        if key not in mat:
            raise KeyError(f'{mat_path}: no field {key!r}')
    data = np.asarray(mat['data'], dtype=np.float64)
    num = len(data)
    if data.shape[1] != 38:
        raise ValueError(f'{mat_path}: data is {data.shape}, expected '
                         '(N, 38) = x1..x19, y1..y19')
    order = np.asarray(mat['ra']).reshape(-1).astype(np.int64) - 1
    if sorted(order.tolist()) != list(range(num)):
        raise ValueError(f'{mat_path}: ra is not a 1-based permutation of '
                         f'the {num} faces')
    if not 0 < num_train < num:
        raise ValueError(f'{mat_path}: num_train={num_train} but the file '
                         f'has {num} faces')
    left, right, top, bottom = np.asarray(mat['bbox'], dtype=np.float64).T
    masks = np.asarray(mat['mask_new']).astype(bool)
    names = [str(np.asarray(n).reshape(-1)[0])
             for n in np.asarray(mat['nameList']).reshape(-1)]

    def record(i, split):
        points = np.stack([data[i, :19], data[i, 19:]], axis=1)
        frontal = split == 'test' and bool(masks[i].all())
        return FaceRecord(names[i], points, np.ones(19, bool),
                          np.array([left[i], top[i], right[i], bottom[i]]),
                          ('frontal', ) if frontal else ())

    return dict(train=[record(i, 'train') for i in order[:num_train]],
                test=[record(i, 'test') for i in order[num_train:]])


def read_hrnet_csv(csv_path, subsets=()):
    """HRNet-style lists: ``image_name, scale, center_w, center_h`` then
    ``x, y`` per point; the box is ``center +- 100 * scale``."""
    if not osp.isfile(csv_path):
        raise FileNotFoundError(f'{csv_path} not found')
    records = []
    with open(csv_path, newline='') as f:
        rows = csv.reader(f)
        header = next(rows, [])
        if header[:4] != ['image_name', 'scale', 'center_w', 'center_h']:
            raise ValueError(f'{csv_path}: header {header[:4]} is not '
                             'image_name,scale,center_w,center_h,...')
        for line, row in enumerate(rows, start=2):
            values = _numbers(row[1:], csv_path, line)
            if len(values) < 5 or (len(values) - 3) % 2:
                raise ValueError(f'{csv_path}:{line}: expected scale, '
                                 'center and x,y pairs')
            scale, cx, cy = values[:3]
            points = values[3:].reshape(-1, 2)
            half = 100 * scale
            records.append(FaceRecord(
                row[0], points, np.ones(len(points), bool),
                np.array([cx - half, cy - half, cx + half, cy + half]),
                tuple(subsets)))
    return records


def read_wflw_txt(txt_path):
    """WFLW's official ``list_98pt_rect_attr_{train,test}.txt``: 196
    coordinates, the box ``x_min y_min x_max y_max``, six 0/1 attributes
    (:data:`WFLW_ATTRIBUTES`) and the image name, per line."""
    if not osp.isfile(txt_path):
        raise FileNotFoundError(f'{txt_path} not found')
    records = []
    with open(txt_path) as f:
        for line, text in enumerate(f, start=1):
            fields = text.split()
            if not fields:
                continue
            if len(fields) != 196 + 4 + 6 + 1:
                raise ValueError(f'{txt_path}:{line}: {len(fields)} fields,'
                                 ' expected 207')
            values = _numbers(fields[:206], txt_path, line)
            flags = values[200:206].astype(int)
            records.append(FaceRecord(
                fields[206], values[:196].reshape(98, 2),
                np.ones(98, bool), values[196:200],
                tuple(a for a, f in zip(WFLW_ATTRIBUTES, flags) if f)))
    return records


def to_coco(records, image_sizes, box_scale=1.0):
    """COCO-style keypoint json for mmpose's face datasets.

    Args:
        records (list[FaceRecord]): One face per image.
        image_sizes (dict): ``file_name -> (width, height)``.
        box_scale (float): Enlargement of the (square) crop box around the
            ground-truth box; the scored box stays the original one.
    """
    images, annotations = [], []
    for i, rec in enumerate(records):
        width, height = image_sizes[rec.file_name]
        x1, y1, x2, y2 = (float(v) for v in rec.box)
        kpts = np.concatenate(
            [rec.points, 2 * rec.visible[:, None]], axis=1)
        images.append(dict(id=i, file_name=rec.file_name,
                           width=int(width), height=int(height)))
        annotations.append(dict(
            id=i, image_id=i, category_id=1, iscrowd=0,
            bbox=[x1, y1, x2 - x1, y2 - y1], area=(x2 - x1) * (y2 - y1),
            box_size=float(np.sqrt((x2 - x1) * (y2 - y1))),  # mmpose AFLW
            center=[(x1 + x2) / 2, (y1 + y2) / 2],
            scale=box_scale * max(x2 - x1, y2 - y1) / 200,
            keypoints=kpts.reshape(-1).round(4).tolist(),
            num_keypoints=int(rec.visible.sum()),
            subsets=list(rec.subsets)))
    return dict(images=images, annotations=annotations,
                categories=[dict(id=1, name='face')])


def image_sizes(records, image_root):
    """``file_name -> (width, height)``, read from the image headers."""
    from PIL import Image
    sizes = {}
    for rec in records:
        path = osp.join(image_root, rec.file_name)
        if not osp.isfile(path):
            raise FileNotFoundError(f'image of {rec.file_name} not found: '
                                    f'{path}')
        with Image.open(path) as img:
            sizes[rec.file_name] = img.size
    return sizes


def save_coco(records, image_root, out_path, box_scale=1.0):
    """:func:`to_coco` of ``records`` (image sizes read from
    ``image_root``) written to ``out_path``; returns the face count."""
    import json
    os.makedirs(osp.dirname(osp.abspath(out_path)), exist_ok=True)
    coco = to_coco(records, image_sizes(records, image_root), box_scale)
    with open(out_path, 'w') as f:
        json.dump(coco, f)
    print(f'{out_path}: {len(records)} faces')
    return len(records)


def converter_parser(doc, source, source_help, image_help):
    """The command line the alignment converters share: ``SOURCE
    IMAGE_ROOT OUT_DIR [--box-scale S]``, described by ``doc``'s first
    line."""
    parser = argparse.ArgumentParser(description=doc.split('\n')[0])
    parser.add_argument(source, help=source_help)
    parser.add_argument('image_root', help=image_help)
    parser.add_argument('out_dir')
    parser.add_argument('--box-scale', type=float, default=1.0,
                        help='crop box enlargement around the given box')
    return parser
