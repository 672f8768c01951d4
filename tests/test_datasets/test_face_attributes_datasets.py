"""CelebA / LFWA / FairFace loaders (farl_mm.datasets.celeba,
farl_mm.datasets.lfwa, farl_mm.datasets.fairface) and their converters,
on synthetic files written in the official formats (by
farl_mm.synthetic.writers.celeba, farl_mm.synthetic.writers.lfwa and
farl_mm.synthetic.writers.fairface)."""
import os.path as osp

import numpy as np
import pytest

from farl_mm.datasets import (CelebADataset, FairFaceDataset, LFWADataset,
                              few_shot_indices)
from farl_mm.datasets.celeba import CELEBA_ATTRIBUTES
from farl_mm.registry import DATASETS
from farl_mm.synthetic import SyntheticFaceGenerator
from farl_mm.synthetic.writers import write_celeba, write_fairface, write_lfwa
from tools.dataset_converters.celeba import check_celeba
from tools.dataset_converters.fairface import check_fairface
from tools.dataset_converters.lfwa import convert_lfwa

SIZE = 64


@pytest.fixture(scope='module')
def celeba_root(tmp_path_factory):
    root = str(tmp_path_factory.mktemp('celeba'))
    write_celeba(root, 12, 2, 3, seed=5, size=SIZE)
    return root


def test_celeba_splits_labels_and_landmarks(celeba_root):
    sizes = {s: len(CelebADataset(celeba_root, split=s))
             for s in ('train', 'val', 'test')}
    assert sizes == dict(train=12, val=2, test=3)
    assert check_celeba(celeba_root) == sizes
    test = CelebADataset(celeba_root, split='test')
    info = test.get_data_info(0)  # 15th image written: sample index 14
    truth = SyntheticFaceGenerator(SIZE, seed=5).sample(14)
    assert osp.basename(info['img_path']) == '000015.jpg'
    present = [CELEBA_ATTRIBUTES[i] for i in info['gt_label']]
    assert present == [n for n in CELEBA_ATTRIBUTES
                       if truth.attributes.get(n)]
    np.testing.assert_allclose(info['face_points'], truth.landmarks('5'),
                               atol=0.5)  # CelebA stores integer pixels
    assert test.metainfo['classes'] == CELEBA_ATTRIBUTES


def test_celeba_missing_or_bad_files_are_named(celeba_root, tmp_path):
    with pytest.raises(FileNotFoundError,
                       match='(?s)list_attr_celeba.txt.*dataset_converters'):
        CelebADataset(str(tmp_path))
    lines = open(osp.join(celeba_root, 'list_attr_celeba.txt')).readlines()
    lines[1] = lines[1].replace('Young', 'Old')
    bad = tmp_path / 'list_attr_celeba.txt'
    bad.write_text(''.join(lines))
    for name in ('list_eval_partition.txt',
                 'list_landmarks_align_celeba.txt'):
        (tmp_path / name).write_text(
            open(osp.join(celeba_root, name)).read())
    with pytest.raises(ValueError, match='list_attr_celeba.txt.*differ'):
        CelebADataset(str(tmp_path))
    with pytest.raises(ValueError, match='split must be'):
        CelebADataset(celeba_root, split='dev')


def test_few_shot_subsets_are_deterministic_and_nested(celeba_root):
    def paths(fraction, seed=0):
        sub = DATASETS.build(dict(
            type='farl_mm.few_shot_subset', fraction=fraction, seed=seed,
            dataset=dict(type='farl_mm.CelebADataset', data_root=celeba_root)))
        assert type(sub) is CelebADataset
        return [sub.get_data_info(i)['img_path'] for i in range(len(sub))]

    quarter, half, full = paths(0.25), paths(0.5), paths(1.0)
    assert (len(quarter), len(half), len(full)) == (3, 6, 12)
    assert set(quarter) < set(half) < set(full)
    assert paths(0.5) == half  # same seed, same subset
    assert paths(0.5, seed=1) != half
    # the images the former wrapper served: full[i] for the seeded indices
    assert half == [full[i] for i in few_shot_indices(12, 0.5, seed=0)]


def test_lfwa_converter_and_dataset(tmp_path):
    root = str(tmp_path)
    names = write_lfwa(root, 5, 4, size=SIZE)
    sizes = convert_lfwa(root, landmarks=osp.join(root, 'landmarks_5.txt'))
    assert sizes == dict(train=5, test=4)
    data = LFWADataset(root, split='test',
                          landmarks_file='list_landmarks_lfwa.txt')
    info = data.get_data_info(0)
    assert info['img_path'] == osp.join(root, 'lfw', names[5])
    truth = SyntheticFaceGenerator(SIZE).sample(5)
    assert [CELEBA_ATTRIBUTES[i] for i in info['gt_label']] == [
        n for n in CELEBA_ATTRIBUTES if truth.attributes.get(n)]
    np.testing.assert_allclose(info['face_points'], truth.landmarks('5'),
                               atol=0.01)
    with pytest.raises(KeyError, match="no variable 'names'"):
        convert_lfwa(root, name_key='names')


def test_fairface_dataset_and_checker(tmp_path):
    root = str(tmp_path)
    write_fairface(root, 6, 3, size=SIZE)
    train = FairFaceDataset(root)
    assert len(train) == 6
    info = train.get_data_info(2)
    truth = SyntheticFaceGenerator(SIZE).sample(2)
    assert info['gt_label']['gender'] == (0 if truth.attributes['Male']
                                          else 1)
    assert (info['gt_label']['race'] == 0) == bool(
        truth.attributes['Pale_Skin'])
    counts = check_fairface(root)
    assert sum(counts['val'].values()) == 3
    csv = tmp_path / 'fairface_label_val.csv'
    csv.write_text(csv.read_text().replace('Male', 'Man', 1))
    with pytest.raises(ValueError, match=r'label_val.csv:\d+: unknown'):
        FairFaceDataset(root, ann_file='fairface_label_val.csv')
