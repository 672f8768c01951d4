"""LFWA face attributes in CelebA's text format."""
from farl_mm.registry import DATASETS

from .celeba import CelebADataset


@DATASETS.register_module()
class LFWADataset(CelebADataset):
    """LFWA's 40 attributes (paper §3.5: 6,263 train, the rest test), in the
    CelebA text format ``tools/dataset_converters/lfwa.py`` writes.

    LFWA has no landmarks of its own; the paper aligns with RetinaFace's.
    Give any detector's five points as ``list_landmarks_lfwa.txt`` (CelebA
    landmark layout; the converter's ``--landmarks`` option) to align, or
    leave ``landmarks_file=None`` to use the roughly centred LFW images as
    they are.
    """
    PREPARE = 'python tools/dataset_converters/lfwa.py LFWA_DIR DATA_ROOT'

    def __init__(self,
                 data_root,
                 split='train',
                 ann_file='list_attr_lfwa.txt',
                 partition_file='list_eval_partition_lfwa.txt',
                 landmarks_file=None,
                 data_prefix='lfw',
                 **kwargs):
        super().__init__(data_root, split, ann_file, partition_file,
                         landmarks_file, data_prefix, **kwargs)
