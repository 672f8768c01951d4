"""farl_mm/datasets/lapa.py and the base it builds on
(farl_mm.datasets.parsing_base;
its per-sample checks: tests/test_tools/test_check_dataset.py)."""
import os.path as osp

import numpy as np
import pytest

from farl_mm.datasets import LaPaDataset
from farl_mm.synthetic.writers import write_lapa


@pytest.fixture(scope='module')
def lapa_root(tmp_path_factory):
    root = tmp_path_factory.mktemp('lapa')
    write_lapa(str(root), 'test', 3, size=80)
    return str(root)


def lapa(root, pipeline=(), split='test'):
    return LaPaDataset(
        data_root=root, pipeline=list(pipeline),
        data_prefix=dict(img_path=f'{split}/images',
                         seg_map_path=f'{split}/labels',
                         landmark_path=f'{split}/landmarks'))


def test_samples_carry_label_and_landmark_paths(lapa_root):
    data = lapa(lapa_root)
    assert len(data) == 3
    info = data.get_data_info(1)
    assert info['img_path'].endswith('test/images/synth_000001.jpg')
    assert info['seg_map_path'].endswith('test/labels/synth_000001.png')
    assert info['landmark_path'].endswith(
        'test/landmarks/synth_000001.txt')
    assert len(data.metainfo['classes']) == 11
    assert len(data.metainfo['palette']) == 11


def test_test_pipeline_warps_the_image_and_keeps_the_label(lapa_root):
    pipeline = [
        dict(type='LoadImageFromFile'), dict(type='mmseg.LoadAnnotations'),
        dict(type='farl_mm.LoadFaceLandmarks'),
        dict(type='farl_mm.FaceAlignWarp', size=64, warp_labels=False),
        dict(type='mmseg.PackSegInputs', meta_keys=(
            'img_path', 'ori_shape', 'img_shape', 'face_warp'))]
    packed = lapa(lapa_root, pipeline)[0]
    assert packed['inputs'].shape == (3, 64, 64)
    sample = packed['data_samples']
    assert sample.gt_sem_seg.data.shape == (1, 80, 80)
    assert sample.ori_shape == (80, 80)
    assert sample.face_warp['alpha'] == 0.8
    assert np.asarray(sample.face_warp['matrix']).shape == (3, 3)


def test_missing_data_names_the_folder_and_the_fix(tmp_path):
    with pytest.raises(FileNotFoundError) as err:
        lapa(str(tmp_path / 'nowhere'), split='train')
    message = str(err.value)
    assert osp.join('nowhere', 'train', 'images') in message
    assert 'tools/dataset_converters/lapa.py' in message
