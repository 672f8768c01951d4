"""The layer study on parsing (Figure 4a) and alignment configs: every tap
of the backbone becomes the one studied block, and each level trains, is
tested and lands in the plot and the table. (Attributes, Figure 4b: see
test_attributes.py.)"""
import os.path as osp
import runpy
import sys
from unittest import mock

import cv2
import pytest
import torch
from mmengine.config import Config

from farl_mm.synthetic.writers import write_lapa
from farl_mm.registry import MODELS
from tools.analysis_tools import layer_study

sys.path.insert(0, osp.join(osp.dirname(__file__), '..', 'helpers'))
from tiny_lapa import REPO, mmengine_state_restored  # noqa: E402

FARL = osp.join(REPO, 'configs', 'farl')
LOADERS = ('train_dataloader', 'val_dataloader', 'test_dataloader')


def _options(root, work_dir):
    opts = ['train_cfg.max_iters=1', 'train_cfg.val_interval=1000',
            'randomness.seed=0']
    for loader in LOADERS:
        opts += [f'{loader}.dataset.data_root={root}',
                 f'{loader}.batch_size=2', f'{loader}.num_workers=0',
                 f'{loader}.persistent_workers=False']
    return ['--work-dir', str(work_dir), '--cfg-options', *opts]


@pytest.fixture(scope='module')
def lapa_root(tmp_path_factory):
    root = str(tmp_path_factory.mktemp('lapa'))
    for split, num, start in (('train', 2, 0), ('val', 2, 2),
                              ('test', 2, 4)):
        write_lapa(root, split, num, size=96, start=start)
    return root


@pytest.fixture(scope='module')
def aflw19_root(tmp_path_factory):
    from farl_mm.synthetic.writers import write_aflw_mat
    root = tmp_path_factory.mktemp('aflw19')
    write_aflw_mat(root, 4, size=128)
    script = osp.join(REPO, 'tools', 'dataset_converters', 'aflw19.py')
    argv = [script, root / 'AFLWinfo_release.mat', root / 'flickr',
            root / 'annotations', '--num-train', 2]
    with mock.patch.object(sys, 'argv', list(map(str, argv))):
        runpy.run_path(script, run_name='__main__')
    return str(root)


# One level for alignment: mmengine formats the alignment config with yapf
# three times per run, ~10 s each on a loaded 2-core machine.
@pytest.mark.parametrize('config, root, metric, levels', [
    ('lapa_upernet_tiny_synthetic.py', 'lapa_root', 'f1_mean', [1, 3]),
    ('aflw19_upernet_tiny_synthetic.py', 'aflw19_root', 'diag/full/NME',
     [3]),
], ids=['parsing', 'alignment'])
def test_layer_study_runs_each_level(config, root, metric, levels, tmp_path,
                                     request):
    out = tmp_path / 'layers.png'
    with mmengine_state_restored():
        result = layer_study.main(
            [osp.join(FARL, config), '--metric', metric, '--out', str(out),
             '--layers', ','.join(map(str, levels))]
            + _options(request.getfixturevalue(root), tmp_path / 'w'))
    print(config, result)
    assert sorted(k for k in result if k != 'multi_level') == levels
    assert all(0 <= result[k] <= 100 for k in levels)
    assert cv2.imread(str(out)).shape[2] == 3
    table = (tmp_path / 'layers.md').read_text()
    assert f'| level | {metric} |' in table and '| 3 |' in table
    for level in levels:
        assert osp.isdir(tmp_path / 'w' / f'level_{level}')


@pytest.mark.parametrize('config', ['lapa_upernet_tiny_synthetic.py',
                                    'aflw19_upernet_tiny_synthetic.py'])
def test_every_tap_is_the_studied_block(config):
    cfg = Config.fromfile(osp.join(FARL, config))
    single = layer_study.single_level_config(cfg, 3)
    assert single.model.backbone.out_indices == (2, 2, 2, 2)
    assert cfg.model.backbone.out_indices == (0, 1, 2, 3)  # a copy
    torch.manual_seed(0)
    backbone = MODELS.build(single.model.backbone).eval()
    multi = MODELS.build(cfg.model.backbone).eval()
    multi.load_state_dict(backbone.state_dict())
    x = torch.randn(1, 3, 128, 128)
    with torch.no_grad():
        feats, block3 = backbone(x), multi(x)[2]
    assert len(feats) == 4  # the neck still gets its four inputs
    for feat in feats:
        torch.testing.assert_close(feat, block3)
    with pytest.raises(ValueError, match=r'levels 1\.\.4'):
        layer_study.single_level_config(cfg, 5)
