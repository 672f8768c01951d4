"""``tools/test.py``'s stock switches (``--show``, ``--show-dir``,
``--wait-time``, ``--tta``, ``--out``) on the three libraries' task
configs, as each library's own ``tools/test.py`` sets them. Config level
only (no Runner); the runs that draw, flip and write are in
test_parsing.py, test_alignment_train_test.py and test_attributes.py."""
import copy
import functools
import os.path as osp

import pytest
from mmengine.config import Config

from tools import test as test_tool

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CONFIGS = dict(
    mmseg='configs/farl/lapa_upernet.py',
    mmpose='configs/farl/aflw19_upernet.py',
    mmpretrain='configs/farl/celeba_attributes.py')
TINY_POSE = 'configs/farl/aflw19_upernet_tiny_synthetic.py'
STOCK_SEG = ('configs/backbone_swap/'
             'upernet_farl-vit-tiny_synthetic-lapa_mmseg.py')


@functools.lru_cache
def _config(path):
    return Config.fromfile(osp.join(REPO, path))


def _applied(name, *switches, config=None):
    cfg = copy.deepcopy(_config(config or CONFIGS[name]))
    args = test_tool.parse_args([CONFIGS[name], 'ckpt.pth', *switches])
    return test_tool.apply_test_args(cfg, args)


@pytest.mark.parametrize('name,wait', [
    ('mmseg', 2.0), ('mmpose', 1.0), ('mmpretrain', 2.0)])
def test_show_switches_the_hook_on_with_the_wait_time(name, wait):
    hook = _applied(name, '--show').default_hooks.visualization
    assert hook.get('draw', hook.get('enable')) is True
    assert hook.show is True and hook.wait_time == wait  # library default
    hook = _applied(name, '--show', '--wait-time', '0.5'
                    ).default_hooks.visualization
    assert hook.wait_time == 0.5


def test_task_configs_draw_nothing_until_asked():
    hooks = {name: _config(config).default_hooks
             for name, config in CONFIGS.items()}
    assert hooks['mmseg'].visualization == dict(
        type='SegVisualizationHook', draw=False, interval=1)
    assert hooks['mmpose'].visualization.enable is False
    assert hooks['mmpretrain'].visualization.enable is False
    released = Config.fromfile(osp.join(
        REPO, 'configs/farl/released/facer_lapa_448.py')).default_hooks
    assert released.visualization.draw is False


def test_show_dir_saves_where_each_library_saves(tmp_path):
    show = str(tmp_path / 'show')
    cfg = _applied('mmseg', '--show-dir', show)
    assert cfg.visualizer.save_dir == show
    assert cfg.default_hooks.visualization.get('show') is None
    for name in ('mmpose', 'mmpretrain'):
        hook = _applied(name, '--show-dir', show).default_hooks.visualization
        assert (hook.enable, hook.show, hook.out_dir, hook.interval) == (
            True, False, show, 1)


def test_tta_flips_where_the_task_has_a_flip():
    parser = _applied('mmseg', '--tta').model
    assert parser.test_cfg.flip is True
    assert parser.test_cfg.flip_pairs == [[2, 3], [4, 5]]  # LaPa brows, eyes
    with pytest.raises(SystemExit, match='no tta_model / tta_pipeline'):
        _applied('mmseg', '--tta', config=STOCK_SEG)  # a plain EncoderDecoder
    celebm = _applied('mmseg', '--tta',
                      config='configs/farl/celebamask-hq_upernet.py').model
    assert celebm.test_cfg.flip_pairs == [[4, 5], [6, 7], [8, 9]]
    pose = _applied('mmpose', '--tta').model.test_cfg
    # 224 px -> 128: a mirrored peak comes back 0.43 heatmap px off
    assert (pose.flip_test, pose.flip_mode, pose.shift_heatmap) == (
        True, 'heatmap', False)
    tiny = _applied('mmpose', '--tta', config=TINY_POSE).model.test_cfg
    assert tiny.shift_heatmap is True  # 128 px -> 32: 0.75 px off
    cls = _applied('mmpretrain', '--tta')
    assert cls.model.type == 'mmpretrain.AverageClsScoreTTA'
    assert cls.model.module.type == 'ImageClassifier'
    tta = cls.test_dataloader.dataset.pipeline[-1]
    assert [t.prob for t in tta.transforms[0]] == [1.0, 0.0]
    assert tta.transforms[1][0].type == 'PackInputs'


def test_out_follows_each_library():
    assert _applied('mmseg', '--out', 'png').test_evaluator.output_dir == \
        'png'
    cls = _applied('mmpretrain', '--out', 'preds.pkl').test_evaluator
    assert cls[-1] == dict(type='DumpResults', out_file_path='preds.pkl')
    pose = _applied('mmpose', '--out', 'metrics.json').test_evaluator
    assert all(m.type != 'DumpResults' for m in pose)  # metrics, after


def test_show_without_a_hook_says_what_to_add():
    cfg = copy.deepcopy(_config(CONFIGS['mmseg']))
    del cfg.default_hooks['visualization']
    args = test_tool.parse_args(['c.py', 'ckpt.pth', '--show-dir', 'x'])
    with pytest.raises(SystemExit, match="type='SegVisualizationHook'"):
        test_tool.apply_test_args(cfg, args)
