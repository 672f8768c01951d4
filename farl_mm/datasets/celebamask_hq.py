"""CelebAMask-HQ (Lee et al., CVPR 2020): 19 classes merged from part masks.

The release stores one binary PNG per part and face; they overlap (skin
lies under the eyes, hair under a hat), so the merge order decides the
label: later parts overwrite earlier ones. The order, and the class ids
that follow it, are those of FaRL's reference (``farl_reference.md`` §4).
"""
import numpy as np

from farl_mm.registry import DATASETS

from .parsing_base import FaceParsingDataset

#: Part names in merge order; class id = position + 1 (0 is background).
CELEBAMASK_PARTS = ('neck', 'skin', 'cloth', 'l_ear', 'r_ear', 'l_brow',
                    'r_brow', 'l_eye', 'r_eye', 'nose', 'mouth', 'l_lip',
                    'u_lip', 'hair', 'eye_g', 'hat', 'ear_r', 'neck_l')


def merge_part_masks(masks, shape):
    """One label map from ``part name -> bool mask``; absent parts skipped.

    Args:
        masks (dict[str, np.ndarray]): Binary masks of shape ``shape``.
        shape (tuple): ``(H, W)`` of the label map.

    Returns:
        np.ndarray: ``(H, W)`` uint8 class ids.
    """
    unknown = set(masks) - set(CELEBAMASK_PARTS)
    if unknown:
        raise KeyError(f'unknown CelebAMask-HQ parts {sorted(unknown)}')
    label = np.zeros(shape, np.uint8)
    for class_id, part in enumerate(CELEBAMASK_PARTS, 1):
        if part in masks:
            label[np.asarray(masks[part], bool)] = class_id
    return label


@DATASETS.register_module()
class CelebAMaskHQDataset(FaceParsingDataset):
    """Converted CelebAMask-HQ: ``{split}/{images,labels}`` at 512 px."""
    METAINFO = dict(
        classes=('background', *CELEBAMASK_PARTS),
        palette=[[0, 0, 0], [204, 0, 0], [255, 204, 153], [0, 153, 153],
                 [102, 51, 0], [153, 102, 51], [0, 0, 255], [0, 128, 255],
                 [0, 255, 0], [0, 255, 128], [255, 0, 0], [128, 0, 255],
                 [255, 0, 255], [255, 128, 255], [128, 64, 0],
                 [255, 255, 0], [0, 51, 0], [255, 153, 51], [0, 204, 0]],
        flip_pairs=[[4, 5], [6, 7], [8, 9]])
    PREPARE = ('python tools/dataset_converters/celebamask_hq.py '
               '/path/to/CelebAMask-HQ --partition '
               '/path/to/list_eval_partition.txt --out data/celebamask_hq')


def read_celebamask_splits(mapping_file, partition_file):
    """CelebA-HQ index -> ``'train'``/``'val'``/``'test'``.

    ``CelebA-HQ-to-CelebA-mapping.txt`` (header, then ``idx orig_idx
    orig_file``) names each CelebA-HQ face's CelebA file; CelebA's
    ``list_eval_partition.txt`` (``file split``) gives that file's split
    (0 train, 1 val, 2 test).
    """
    names = ('train', 'val', 'test')
    with open(partition_file) as f:
        partition = dict(line.split()[:2] for line in f if line.strip())
    splits = {}
    with open(mapping_file) as f:
        header = f.readline().split()
        if header[:1] != ['idx']:
            raise ValueError(f'{mapping_file}: expected the header "idx '
                             f'orig_idx orig_file", got {header}')
        for line in f:
            if not line.strip():
                continue
            idx, _, orig_file = line.split()[:3]
            if orig_file not in partition:
                raise KeyError(f'{partition_file}: no split for {orig_file} '
                               f'(CelebA-HQ face {idx})')
            splits[int(idx)] = names[int(partition[orig_file])]
    return splits
