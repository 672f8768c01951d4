"""CelebA and LFWA face attributes, read from CelebA's own text files.

Both datasets share one annotation format (the one CelebA ships; the LFWA
converter writes it too): an attribute table ``list_attr_*.txt`` (a count
line, a line of the 40 names, then ``image v1 ... v40`` with v = 1 / -1), a
partition ``list_eval_partition*.txt`` (``image 0|1|2`` = train/val/test)
and optionally five landmarks per image in CelebA's
``list_landmarks_*.txt`` layout (count, header, ``image x1 y1 ... x5 y5``
in the order left eye, right eye, nose, left and right mouth corner).
"""
import os.path as osp

import numpy as np
from mmpretrain.datasets import BaseDataset

from farl_mm.registry import DATASETS
from farl_mm.utils.preflight import require

from .checks import (ATTRIBUTE_VALUES, CheckedDataset, Problem,
                     batch_alignment_problems, missing_files, table_lines)

#: CelebA's 40 attributes in the order of ``list_attr_celeba.txt``.
CELEBA_ATTRIBUTES = (
    '5_o_Clock_Shadow', 'Arched_Eyebrows', 'Attractive', 'Bags_Under_Eyes',
    'Bald', 'Bangs', 'Big_Lips', 'Big_Nose', 'Black_Hair', 'Blond_Hair',
    'Blurry', 'Brown_Hair', 'Bushy_Eyebrows', 'Chubby', 'Double_Chin',
    'Eyeglasses', 'Goatee', 'Gray_Hair', 'Heavy_Makeup', 'High_Cheekbones',
    'Male', 'Mouth_Slightly_Open', 'Mustache', 'Narrow_Eyes', 'No_Beard',
    'Oval_Face', 'Pale_Skin', 'Pointy_Nose', 'Receding_Hairline',
    'Rosy_Cheeks', 'Sideburns', 'Smiling', 'Straight_Hair', 'Wavy_Hair',
    'Wearing_Earrings', 'Wearing_Hat', 'Wearing_Lipstick', 'Wearing_Necklace',
    'Wearing_Necktie', 'Young')
SPLITS = dict(train=0, val=1, test=2)


def read_celeba_table(path):
    """A CelebA ``list_*.txt`` table with a count and a header line.

    Returns:
        tuple[list[str], list[str], np.ndarray]: column names, image names
        and the ``(N, len(columns))`` values (float64).
    """
    with open(path) as f:
        lines = [line.split() for line in f if line.strip()]
    try:
        count, columns, rows = int(lines[0][0]), lines[1], lines[2:]
    except (IndexError, ValueError) as err:
        raise ValueError(
            f'{path}: expected a count line and a header line') from err
    if len(rows) != count:
        raise ValueError(f'{path}: header says {count} rows, found '
                         f'{len(rows)}')
    bad = [r[0] for r in rows if len(r) != len(columns) + 1]
    if bad:
        raise ValueError(f'{path}: {len(bad)} rows do not have '
                         f'{len(columns)} values, e.g. {bad[0]}')
    values = np.array([r[1:] for r in rows], dtype=np.float64)
    return columns, [r[0] for r in rows], values


def read_partition(path):
    """``image -> 0|1|2`` from a ``list_eval_partition.txt``."""
    with open(path) as f:
        pairs = [line.split() for line in f if line.strip()]
    if any(len(p) != 2 for p in pairs):
        raise ValueError(f'{path}: expected lines "image partition"')
    return {name: int(part) for name, part in pairs}


def write_celeba_table(path, columns, rows):
    """Write ``rows`` (``(image, values)`` pairs) as :func:`read_celeba_table`
    reads them: the count, the column names, then ``image v1 v2 ...``."""
    with open(path, 'w') as f:
        f.write(f'{len(rows)}\n{" ".join(columns)}\n')
        f.writelines(f'{name} {" ".join(map(str, values))}\n'
                     for name, values in rows)


def read_celeba_annotations(ann_file, partition_file, landmarks_file=None,
                            classes=CELEBA_ATTRIBUTES):
    """The checked annotations of a CelebA-format dataset (all splits).

    Returns:
        tuple: image names, their ``(N, 40)`` values (1 / -1), their
        partition codes ``(N,)`` and, with a landmark file, their ``(N, 5,
        2)`` float32 points (else None).

    Raises:
        ValueError: naming the file, when the columns are not ``classes``
            or an image lacks its partition or landmarks.
    """
    columns, names, values = read_celeba_table(ann_file)
    if tuple(columns) != tuple(classes):
        raise ValueError(f'{ann_file}: attribute columns {columns} '
                         f'differ from the dataset classes {classes}')
    partition = read_partition(partition_file)
    missing = [n for n in names if n not in partition]
    if missing:
        raise ValueError(f'{partition_file} lacks {len(missing)} '
                         f'images of {ann_file}, e.g. {missing[0]}')
    points = None
    if landmarks_file is not None:
        _, lm_names, lm = read_celeba_table(landmarks_file)
        if lm.shape[1] != 10:
            raise ValueError(f'{landmarks_file}: expected 10 values (5 '
                             'points) per row')
        by_name = dict(zip(lm_names, lm.reshape(-1, 5, 2)))
        lacking = [n for n in names if n not in by_name]
        if lacking:
            raise ValueError(f'{landmarks_file} has no landmarks for '
                             f'{len(lacking)} images of {ann_file}, e.g. '
                             f'{lacking[0]}')
        points = np.array([by_name[n] for n in names],
                          np.float32).reshape(-1, 5, 2)
    return names, values, np.array([partition[n] for n in names]), points


@DATASETS.register_module()
class CelebADataset(CheckedDataset, BaseDataset):
    """CelebA's 40 binary attributes (paper §3.5: 162,770 train / 19,962
    test from the official partition).

    Each sample carries ``gt_label`` (indices of the present attributes, the
    multi-label convention of mmpretrain) and, when a landmark file is
    given, ``face_points`` ``(5, 2)`` for :class:`FaceAlignWarp`.
    Loading checks the split's rows (values 1 / -1, finite and
    non-degenerate landmarks, images present) and names each bad line.

    Args:
        data_root (str): Dataset root.
        split (str): ``'train'``, ``'val'`` or ``'test'``.
        ann_file (str): Attribute table, relative to ``data_root``.
        partition_file (str): Partition file, relative to ``data_root``.
        landmarks_file (str, optional): 5-point landmarks of the images in
            ``data_prefix`` (``list_landmarks_align_celeba.txt`` for
            ``img_align_celeba``); None: no alignment.
        data_prefix (str): Image folder, relative to ``data_root``.
        **kwargs: ``pipeline``, ``test_mode``, ... of mmpretrain's
            ``BaseDataset``.
    """
    METAINFO = dict(classes=CELEBA_ATTRIBUTES)
    PREPARE = 'python tools/dataset_converters/celeba.py DATA_ROOT'

    def __init__(self,
                 data_root,
                 split='train',
                 ann_file='list_attr_celeba.txt',
                 partition_file='list_eval_partition.txt',
                 landmarks_file='list_landmarks_align_celeba.txt',
                 data_prefix='img_align_celeba',
                 **kwargs):
        if split not in SPLITS:
            raise ValueError(f'split must be one of {tuple(SPLITS)}, got '
                             f'{split!r}')
        self.split = split
        self.partition_file = osp.join(data_root, partition_file)
        self.landmarks_file = (osp.join(data_root, landmarks_file)
                               if landmarks_file else None)
        super().__init__(ann_file=ann_file, data_root=data_root,
                         data_prefix=data_prefix, **kwargs)

    def load_data_list(self):
        for path in (self.ann_file, self.partition_file, self.landmarks_file):
            if path is not None:
                require(path, self.PREPARE, what='CelebA-format annotation')
        names, values, parts, points = read_celeba_annotations(
            self.ann_file, self.partition_file, self.landmarks_file,
            self.metainfo['classes'])
        rows = np.flatnonzero(parts == SPLITS[self.split])
        self.report_problems(self._load_problems(names, values, points,
                                                 rows))
        data_list = []
        for i in rows:
            info = dict(img_path=osp.join(self.img_prefix, names[i]),
                        gt_label=np.flatnonzero(values[i] > 0).tolist())
            if points is not None:
                info['face_points'] = points[i]
            data_list.append(info)
        return data_list

    def _load_problems(self, names, values, points, rows):
        """Attribute values other than 1 / -1, degenerate landmarks and
        missing images of the split's ``rows``."""
        problems = []
        bad = rows[~np.isin(values[rows], (1, -1)).all(axis=1)]
        if len(bad):
            lines = table_lines(self.ann_file)
            problems += [Problem(
                ATTRIBUTE_VALUES, self.ann_file,
                f'{names[i]}: values {sorted(set(values[i]) - {1, -1})} '
                'where CelebA uses 1 / -1', lines.get(names[i]))
                for i in bad]
        if points is not None:
            problems += batch_alignment_problems(
                self.landmarks_file, points[rows], [names[i] for i in rows])
        return problems + missing_files(
            osp.join(self.img_prefix, names[i]) for i in rows)
