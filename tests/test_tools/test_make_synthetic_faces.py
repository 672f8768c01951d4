"""tools/misc/make_synthetic_faces.py: every format lands where its config
reads it, and the config's datasets and pipelines load it. Also covers
farl_mm.synthetic.preview (the ``--preview`` contact sheet)."""
import copy
import os
import os.path as osp
import re

import cv2
import numpy as np
import pytest
from mmengine.config import Config
from mmengine.registry import DATASETS, DefaultScope

from farl_mm.synthetic import SyntheticFaceGenerator
from tools.dataset_converters import laion_face_shards
from tools.misc.make_synthetic_faces import FORMATS, main

SIZE, SEED = 48, 3
# format -> (config, {split: count}, {split: dataloader reading it})
CASES = {
    'lapa': ('farl/lapa_upernet_tiny_synthetic', dict(train=2, val=1, test=1),
             dict(train='train', val='val', test='test')),
    'celebamask-hq': ('farl/celebamask-hq_upernet',
                      dict(train=2, val=1, test=1),
                      dict(train='train', val='val', test='test')),
    'aflw19': ('farl/aflw19_upernet_tiny_synthetic', dict(train=3, test=2),
               dict(train='train', test='test')),
    'wflw': ('farl/wflw_upernet', dict(train=2, test=2),
             dict(train='train', test='test')),
    '300w': ('farl/300w_upernet', dict(train=2, test=3),
             dict(train='train', test='test')),
    'celeba': ('farl/celeba_attributes_tiny_synthetic',
               dict(train=2, val=1, test=1),
               dict(train='train', val='val', test='test')),
    'lfwa': ('farl/lfwa_attributes', dict(train=2, test=2),
             dict(train='train', test='test')),
    'fairface': ('farl/fairface', dict(train=2, val=1),
                 dict(train='train', val='val')),
    'laion-face': ('farl/farl_vit-tiny_synthetic-shards_pretrain',
                   dict(train=4), dict(train='train')),
}


def build(cfg, loader, data_root):
    """The dataset of ``cfg.{loader}_dataloader``, reading ``data_root``."""
    data = copy.deepcopy(cfg[f'{loader}_dataloader'].dataset)
    data.data_root = data_root
    with DefaultScope.overwrite_default_scope(cfg.default_scope):
        return DATASETS.build(data)


def first_index(fmt, path):
    """Generator index of the face in the first training image."""
    if fmt == 'aflw19':  # ``ra`` permutes the faces into the splits
        return int(re.search(r'image(\d+)', path).group(1))
    return 0


def test_cli_covers_every_format():
    assert set(FORMATS) == set(CASES)


@pytest.mark.parametrize('fmt', list(CASES))
def test_format_is_read_by_its_config(fmt, repo_root, tmp_path):
    config, counts, loaders = CASES[fmt]
    out = str(tmp_path / fmt)
    argv = ['--format', fmt, '--out', out, '--size', str(SIZE), '--seed',
            str(SEED), '--splits', *(f'{k}:{v}' for k, v in counts.items())]
    if fmt == 'laion-face':
        argv += ['--samples-per-shard', '2']
    main(argv)
    cfg = Config.fromfile(osp.join(repo_root, 'configs', f'{config}.py'))
    first = None
    for split, loader in loaders.items():
        data = build(cfg, loader, out)
        assert len(data) == counts[split], (fmt, split)
        sample = next(iter(data)) if fmt == 'laion-face' else data[0]
        assert sample['inputs'].ndim == 3  # the whole pipeline ran
        if split == 'train' and fmt != 'laion-face':
            first = data.get_data_info(0)['img_path']
    gen_size = 2 * SIZE if fmt == 'celebamask-hq' else SIZE
    if fmt == 'laion-face':
        raw = laion_face_shards_samples(out)[0]
        image = raw['img']
        index = int(raw['sample_idx'])
    else:
        image = cv2.imread(first)
        index = first_index(fmt, first)
    truth = SyntheticFaceGenerator(gen_size, seed=SEED).sample(index).image
    if gen_size != SIZE:  # converted to the masks' side
        truth = cv2.resize(truth, (SIZE, SIZE), interpolation=cv2.INTER_AREA)
    assert image.shape == (SIZE, SIZE, 3)  # --size, --seed reached the writer
    assert np.abs(image.astype(int) - truth).mean() < 6  # JPEG q95


def laion_face_shards_samples(out):
    from farl_mm.datasets import LAIONFaceDataset
    return list(LAIONFaceDataset(None, out, shuffle_shards=False,
                                 shuffle_buffer=0))


def test_laion_face_is_the_converters_synthetic_source(tmp_path):
    main(['--format', 'laion-face', '--out', str(tmp_path / 'a'),
          '--splits', 'train:4', '--samples-per-shard', '2', '--size', '32'])
    laion_face_shards.main(['--synthetic', '4', '--samples-per-shard', '2',
                            '--size', '32', '--out', str(tmp_path / 'b')])
    assert os.listdir(tmp_path / 'a') == os.listdir(tmp_path / 'b')
    for a, b in zip(laion_face_shards_samples(str(tmp_path / 'a')),
                    laion_face_shards_samples(str(tmp_path / 'b'))):
        assert a['text'] == b['text'] and a['sample_idx'] == b['sample_idx']
        np.testing.assert_array_equal(a['img'], b['img'])
    with pytest.raises(ValueError, match='multiple of samples_per_shard'):
        main(['--format', 'laion-face', '--out', str(tmp_path / 'c'),
              '--splits', 'train:3', '--samples-per-shard', '2'])


def test_lapa_splits_get_their_own_faces(tmp_path, capsys):
    main(['--format', 'lapa', '--out', str(tmp_path), '--splits',
          'train:3', 'val:2', '--size', '48', '--seed', '1',
          '--preview', str(tmp_path / 'sheet.png')])
    train = sorted(os.listdir(tmp_path / 'train' / 'images'))
    val = sorted(os.listdir(tmp_path / 'val' / 'images'))
    assert train == [f'synth_00000{i}.jpg' for i in range(3)]
    assert val == ['synth_000003.jpg', 'synth_000004.jpg']
    assert not osp.exists(tmp_path / 'test')  # not asked for
    for split, num in (('train', 3), ('val', 2)):
        for sub in ('labels', 'landmarks'):
            assert len(os.listdir(tmp_path / split / sub)) == num
    sheet = cv2.imread(str(tmp_path / 'sheet.png'))
    assert sheet.shape == (2 * 48, 4 * 48, 3)
    assert 'val: 2 faces (indices 3-4)' in capsys.readouterr().out


def test_unknown_or_repeated_split_is_refused(tmp_path, capsys):
    for splits in (['train:2', 'val:1'], ['train:2', 'train:1']):
        with pytest.raises(SystemExit):
            main(['--format', 'wflw', '--out', str(tmp_path), '--splits',
                  *splits])
        assert "splits ['train', 'test']" in capsys.readouterr().err
    assert not os.listdir(tmp_path)
