"""The attribute pipeline end to end on CPU: a tiny FaRLViT learns the drawn
attributes of synthetic CelebA-format faces; the few-shot sweep and the
layer study run and write their table / plot."""
import os.path as osp
import sys

import cv2
import numpy as np
import pytest
from mmengine.config import Config
from mmengine.runner import Runner

from farl_mm.datasets.celeba import read_celeba_table, read_partition
from farl_mm.synthetic import ATTRIBUTE_NAMES
from farl_mm.synthetic.writers import write_celeba
from tools.analysis_tools import few_shot_sweep, layer_study

sys.path.insert(0, osp.join(osp.dirname(__file__), '..', 'helpers'))
from tiny_lapa import mmengine_state_restored  # noqa: E402

CONFIG = 'configs/farl/celeba_attributes_tiny_synthetic.py'
LOADERS = ('train_dataloader', 'val_dataloader', 'test_dataloader')


def _point_at(cfg, root):
    for loader in LOADERS:
        cfg[loader].dataset.data_root = root
    return cfg


def _majority_baseline(root):
    """Per drawn attribute: accuracy on test of the train majority class."""
    columns, names, values = read_celeba_table(
        osp.join(root, 'list_attr_celeba.txt'))
    part = read_partition(osp.join(root, 'list_eval_partition.txt'))
    split = np.array([part[n] for n in names])
    out = {}
    for name in ATTRIBUTE_NAMES:
        col = values[:, columns.index(name)]
        majority = 1 if (col[split == 0] > 0).mean() > 0.5 else -1
        out[name] = (col[split == 2] == majority).mean() * 100
    return out


def test_tiny_model_learns_attributes(repo_root, tmp_path):
    root = str(tmp_path / 'celeba')
    write_celeba(root, 480, 0, 96, seed=0, size=128)
    cfg = _point_at(Config.fromfile(osp.join(repo_root, CONFIG)), root)
    cfg.work_dir = str(tmp_path / 'work')
    cfg.val_dataloader = cfg.val_cfg = cfg.val_evaluator = None  # test only
    cfg.test_evaluator.per_attribute = True
    cfg.randomness = dict(seed=0)
    cfg.experiment_name = cfg.visualizer.name = 'tiny_attributes'
    with mmengine_state_restored():
        runner = Runner.from_cfg(cfg)
        runner.train()
        metrics = runner.test()
    learned = {n: metrics[f'attr/acc_{n}'] for n in ATTRIBUTE_NAMES}
    baseline = _majority_baseline(root)
    mean_learned = np.mean(list(learned.values()))
    mean_baseline = np.mean(list(baseline.values()))
    print(f'drawn attributes: {mean_learned:.2f} vs majority '
          f'{mean_baseline:.2f}', learned)
    # 500 CPU iterations from scratch (seen: 89.3 vs 76.0):
    # the majority guess's error (~25%) more than halves, and small
    # features (glasses, smile) are read, not just hair colour.
    assert mean_learned > mean_baseline + 10
    assert 100 - mean_learned < 0.6 * (100 - mean_baseline)
    for name in ('Male', 'Smiling', 'Bangs'):  # seen: +52, +32, +24
        assert learned[name] > baseline[name] + 10, name
    assert learned['Eyeglasses'] > baseline['Eyeglasses'] + 5  # seen: +10
    # the 23 undrawn attributes are constant -1 and must stay perfect
    assert metrics['attr/mAcc'] > (mean_learned * 17 + 100 * 23) / 40 - 1e-6


@pytest.fixture(scope='module')
def small_celeba(tmp_path_factory):
    root = str(tmp_path_factory.mktemp('small_celeba'))
    write_celeba(root, 16, 2, 4, seed=1, size=64)
    return root


def _tool_args(root, work_dir):
    opts = ['train_cfg.max_iters=2', 'train_cfg.val_interval=1000',
            'randomness.seed=0']
    opts += [f'{loader}.dataset.data_root={root}' for loader in LOADERS]
    opts += [f'{loader}.batch_size=4' for loader in LOADERS]
    return ['--work-dir', str(work_dir), '--cfg-options', *opts]


def test_few_shot_sweep_writes_table(repo_root, small_celeba, tmp_path):
    out = tmp_path / 'table.md'
    with mmengine_state_restored():
        rows = few_shot_sweep.main(
            [osp.join(repo_root, CONFIG), '--fractions', '0.25', '1',
             '--out', str(out)] + _tool_args(small_celeba, tmp_path / 'w'))
    assert [r[:2] for r in rows] == [['25%', 4], ['100%', 16]]
    text = out.read_text()
    assert '| fraction (seed 0) | # train | attr/mAcc |' in text
    assert '| 25% | 4 |' in text and '| 100% | 16 |' in text
    assert osp.isdir(tmp_path / 'w' / 'fraction_0.25')


def test_layer_study_plots_each_level(repo_root, small_celeba, tmp_path):
    out = tmp_path / 'layers.png'
    with mmengine_state_restored():
        result = layer_study.main(
            [osp.join(repo_root, CONFIG), '--layers', '1..2',
             '--multi-level', '--out', str(out)]
            + _tool_args(small_celeba, tmp_path / 'w'))
    assert sorted(k for k in result if k != 'multi_level') == [1, 2]
    assert all(0 <= v <= 100 for v in result.values())
    assert cv2.imread(str(out)).shape[2] == 3
    table = (tmp_path / 'layers.md').read_text()
    assert '| 1 |' in table and '| multi-level |' in table


def test_single_level_config_taps_one_block():
    # every tap becomes block 9: the head's four levels all see it, as the
    # head's single_level=True would give (same modules, same features)
    cfg = Config(dict(model=dict(
        backbone=dict(type='farl_mm.FaRLViT', out_indices=(3, 5, 7, 11)),
        head=dict(type='MultiTaskHead', task_heads=dict(
            a=dict(num_levels=4), b=dict(num_levels=4))))))
    single = layer_study.single_level_config(cfg, 9)
    assert single.model.backbone.out_indices == (8, 8, 8, 8)
    assert single.model.head == cfg.model.head
    assert cfg.model.backbone.out_indices == (3, 5, 7, 11)  # a copy
    assert layer_study.parse_levels('2..12') == list(range(2, 13))


def test_test_tool_draws_dumps_and_flip_averages(repo_root, small_celeba,
                                                 tmp_path):
    """``tools/test.py`` as mmpretrain's: ``--show-dir`` draws every test
    face, ``--out`` pickles every prediction, ``--tta`` averages the
    scores of each face and its mirror (no attribute is left/right)."""
    import mmengine
    import torch
    from mmengine.registry import DefaultScope
    from mmpretrain.registry import DATASETS, MODELS

    from tools import test as test_tool
    config = osp.join(repo_root, CONFIG)
    cfg = _point_at(Config.fromfile(config), small_celeba)
    torch.manual_seed(0)
    with DefaultScope.overwrite_default_scope('mmpretrain'):
        model = MODELS.build(cfg.model).eval()
        model.init_weights()
        dataset = DATASETS.build(cfg.test_dataloader.dataset)
    checkpoint = str(tmp_path / 'init.pth')
    torch.save(dict(state_dict=model.state_dict(), meta={}), checkpoint)

    def test(name, *switches):
        out = str(tmp_path / f'{name}.pkl')
        with mmengine_state_restored():
            test_tool.main([config, checkpoint, '--out', out, *switches,
                            *_tool_args(small_celeba, tmp_path / name),
                            f'visualizer.name={name}'])
        return {osp.basename(p['img_path']): p['pred_score']
                for p in mmengine.load(out)}

    plain = test('plain', '--show-dir', str(tmp_path / 'show'))
    flip = test('flip', '--tta')
    assert len(plain) == len(flip) == len(dataset) == 4
    drawn = sorted(p.name for p in (tmp_path / 'show').iterdir())
    assert drawn == sorted(f'{n}_0.png' for n in plain)
    with torch.no_grad():
        for item in dataset:
            name = osp.basename(item['data_samples'].img_path)
            # the aligned face the model saw, the 40 scores written over
            # it (seen: 3218-3945 of its 4096 pixels change by > 40)
            face = item['inputs'].permute(1, 2, 0).numpy().astype(int)
            drawn = cv2.imread(str(tmp_path / 'show' / f'{name}_0.png'))
            assert drawn.shape == face.shape
            assert (np.abs(drawn - face[..., ::-1]).max(-1) > 40).mean() \
                > 0.5
            data = model.data_preprocessor(dict(
                inputs=[item['inputs'], item['inputs'].flip(-1)],
                data_samples=[item['data_samples'],
                              item['data_samples'].clone()]))
            face, mirror = (s.pred_score for s in model(**data,
                                                          mode='predict'))
            torch.testing.assert_close(plain[name], face)
            torch.testing.assert_close(flip[name], (face + mirror) / 2)
            assert not torch.allclose(face, mirror)
