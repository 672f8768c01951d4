"""Both parsing converters on synthetic data in the official layouts
(CelebAMask-HQ's written by farl_mm.synthetic.writers.celebamask_hq)."""
import os
import os.path as osp
import runpy
import sys
from unittest import mock

import cv2
import numpy as np
import pytest

from farl_mm.datasets import CelebAMaskHQDataset, LaPaDataset
from farl_mm.datasets.celebamask_hq import CELEBAMASK_PARTS
from farl_mm.datasets.landmark_files import write_landmarks_txt
from farl_mm.synthetic import SyntheticFaceGenerator
from farl_mm.synthetic.writers import (synthetic_part_masks,
                                       write_celebamask_hq, write_lapa)

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
TOOLS = osp.join(REPO, 'tools', 'dataset_converters')


def run_tool(name, *args):
    script = osp.join(TOOLS, name)
    with mock.patch.object(sys, 'argv', [script, *map(str, args)]):
        runpy.run_path(script, run_name='__main__')


@pytest.fixture
def lapa_release(tmp_path):
    src = tmp_path / 'LaPa'
    for start, split in enumerate(('train', 'val', 'test')):
        write_lapa(str(src), split, 2, size=48, start=2 * start)
    return src


def test_lapa_converter_links_every_split(tmp_path, lapa_release, capsys):
    out = tmp_path / 'data' / 'lapa'
    run_tool('lapa.py', lapa_release, '--out', out, '--check-labels')
    assert 'train: 2 faces' in capsys.readouterr().out
    for split in ('train', 'val', 'test'):
        data = LaPaDataset(
            data_root=str(out), pipeline=[],
            data_prefix=dict(img_path=f'{split}/images',
                             seg_map_path=f'{split}/labels',
                             landmark_path=f'{split}/landmarks'))
        assert len(data) == 2
        info = data.get_data_info(0)
        assert osp.islink(info['img_path'])
        assert osp.isfile(info['landmark_path'])  # links resolve
    # the 106 landmarks are kept, not reduced to the 5 used for alignment
    with open(out / 'test' / 'landmarks' / 'synth_000004.txt') as f:
        assert f.readline().strip() == '106'


def test_lapa_converter_lists_broken_files(tmp_path, lapa_release):
    bad = lapa_release / 'val' / 'landmarks' / 'synth_000002.txt'
    write_landmarks_txt(str(bad), np.zeros((68, 2)))
    os.remove(lapa_release / 'test' / 'labels' / 'synth_000005.png')
    with pytest.raises(ValueError) as err:
        run_tool('lapa.py', lapa_release, '--out', tmp_path / 'out')
    message = str(err.value)
    assert 'synth_000002.txt: 68 points' in message
    assert 'synth_000005.png: missing' in message
    assert not (tmp_path / 'out').exists()  # nothing written


def test_celebamask_converter_merges_and_splits(tmp_path):
    src = tmp_path / 'CelebAMask-HQ'
    splits = write_celebamask_hq(str(src), dict(train=3, val=1, test=2),
                                 size=40)
    # the release's layout
    assert (src / 'CelebA-HQ-img' / '0.jpg').is_file()
    masks = sorted(os.listdir(src / 'CelebAMask-HQ-mask-anno' / '0'))
    assert '00000_skin.png' in masks and '00005_hair.png' in masks
    out = tmp_path / 'data'
    run_tool('celebamask_hq.py', src, '--out', out, '--size', 40)
    data = {split: CelebAMaskHQDataset(
        data_root=str(out), pipeline=[],
        data_prefix=dict(img_path=f'{split}/images',
                         seg_map_path=f'{split}/labels'))
        for split in ('train', 'val', 'test')}
    for split, indices in splits.items():
        names = [osp.basename(data[split].get_data_info(i)['img_path'])
                 for i in range(len(data[split]))]
        assert names == [f'{i}.jpg' for i in indices]

    # face 4 (test), checked against the generator's own layers: the
    # merged label is each part where no later part covers it
    face = SyntheticFaceGenerator(size=80, seed=0).sample(4)
    parts = {p: cv2.resize(m.astype(np.uint8), (40, 40),
                           interpolation=cv2.INTER_NEAREST) > 0
             for p, m in synthetic_part_masks(face).items()}
    label = cv2.imread(str(out / 'test' / 'labels' / '4.png'),
                       cv2.IMREAD_UNCHANGED)
    assert label.shape == (40, 40)
    image = cv2.imread(str(out / 'test' / 'images' / '4.jpg'))
    assert image.shape == (40, 40, 3)
    for part, mask in parts.items():
        later = CELEBAMASK_PARTS[CELEBAMASK_PARTS.index(part) + 1:]
        covered = np.any([parts[p] for p in later if p in parts], axis=0)
        own = mask & ~covered
        assert (label[own] == CELEBAMASK_PARTS.index(part) + 1).all(), part
    assert (label[~np.any(list(parts.values()), axis=0)] == 0).all()
    assert len(np.unique(label)) >= 8


def test_celebamask_converter_asks_for_the_partition_file(tmp_path):
    src = tmp_path / 'CelebAMask-HQ'
    write_celebamask_hq(str(src), dict(train=1), size=16)
    os.remove(src / 'list_eval_partition.txt')
    with pytest.raises(FileNotFoundError, match='--partition'):
        run_tool('celebamask_hq.py', src, '--out', tmp_path / 'out')
