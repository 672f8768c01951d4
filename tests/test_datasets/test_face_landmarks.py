"""farl_mm/datasets/face_landmarks.py: the mmpose face datasets under
their own names, and their few-shot subsets (the converters' output is
covered in tests/test_tools/test_alignment_converters.py)."""
import os.path as osp

import pytest

from farl_mm.datasets import (FaRLAFLW19Dataset, FaRLFace300WDataset,
                              FaRLWFLWDataset, few_shot_indices)
from farl_mm.datasets.alignment_formats import read_aflw_mat, save_coco
from farl_mm.registry import DATASETS
from farl_mm.synthetic.writers import write_aflw_mat


@pytest.mark.parametrize(
    'cls', [FaRLAFLW19Dataset, FaRLFace300WDataset, FaRLWFLWDataset])
def test_registered_under_the_class_name(cls):
    assert DATASETS.get(f'farl_mm.{cls.__name__}') is cls
    # not under mmpose's names, which would shadow mmpose's own classes
    mmpose_name = cls.__name__[len('FaRL'):]
    assert DATASETS.get(f'farl_mm.{mmpose_name}') is not cls


def test_few_shot_subset_keeps_the_annotations(tmp_path):
    write_aflw_mat(tmp_path, 10, size=32)
    train = read_aflw_mat(str(tmp_path / 'AFLWinfo_release.mat'),
                          num_train=8)['train']
    save_coco(train, str(tmp_path / 'flickr'),
              str(tmp_path / 'annotations' / 'train.json'))
    full_cfg = dict(type='farl_mm.FaRLAFLW19Dataset', data_root=str(tmp_path),
                    ann_file='annotations/train.json',
                    data_prefix=dict(img='flickr/'), pipeline=[])
    full = DATASETS.build(full_cfg)
    sub = DATASETS.build(dict(type='farl_mm.few_shot_subset',
                              dataset=full_cfg, fraction=0.25, seed=2))
    assert type(sub) is FaRLAFLW19Dataset and len(sub) == 2
    kept = few_shot_indices(8, 0.25, seed=2)
    for i, j in enumerate(kept):
        info, expected = sub[i], full[j]
        assert info['img_path'] == expected['img_path']
        assert osp.isfile(info['img_path'])
        assert info['raw_ann_info'] == expected['raw_ann_info']
        assert info['keypoints'].shape == (1, 19, 2)
