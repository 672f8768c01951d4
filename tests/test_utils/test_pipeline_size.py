import os.path as osp

import pytest
from mmengine.config import Config
from mmengine.config.utils import ConfigParsingError

from farl_mm.utils.pipeline_size import at_size

DATASETS = osp.join(osp.dirname(__file__), '..', '..', 'configs', '_base_',
                    'datasets')


def _pipeline(base, split):
    cfg = Config.fromfile(osp.join(DATASETS, base))
    return cfg[f'{split}_dataloader'].dataset.pipeline


def test_parsing_warp_takes_the_size_and_keeps_its_jitter():
    pipeline = _pipeline('lapa.py', 'train')
    out = at_size(pipeline, 448)
    assert [t['type'] for t in out] == [t['type'] for t in pipeline]
    warp = out[3]
    assert warp['type'] == 'farl_mm.FaceAlignWarp'
    assert (warp['size'], warp['alpha'], warp['rotate']) == (448, 0.8, 18)
    assert pipeline[3]['size'] == 224  # the base's pipeline is left as is
    assert [a is b for a, b in zip(out, pipeline)] == [
        True, True, True, False, True]


def test_alignment_crop_and_targets_follow_heatmaps_stay():
    pipeline = _pipeline('aflw19_alignment.py', 'train')
    out = {t['type']: t for t in at_size(pipeline, 448)}
    assert out['TopdownAffine']['input_size'] == (448, 448)
    encoder = out['GenerateTarget']['encoder']
    assert encoder['input_size'] == (448, 448)
    assert tuple(encoder['heatmap_size']) == (128, 128)
    assert encoder['sigma'] == 1.0
    # the affine's augmentation is untouched
    assert out['RandomBBoxTransform'] == pipeline[2]


def test_a_given_codec_replaces_the_target_encoder():
    pipeline = _pipeline('aflw19_alignment.py', 'test') + [
        dict(type='GenerateTarget', encoder=dict(type='MSRAHeatmap'))]
    codec = dict(type='MSRAHeatmap', input_size=(64, 64),
                 heatmap_size=(16, 16), sigma=1.0)
    out = at_size(pipeline, 64, codec)
    assert out[-1]['encoder'] == codec
    assert out[2]['input_size'] == (64, 64)


def test_attribute_alignment_takes_the_size():
    out = at_size(_pipeline('celeba_attributes.py', 'test'), 64)
    assert out[1]['type'] == 'farl_mm.FaceAlignWarp'
    assert out[1]['size'] == 64


def test_config_imports_it_after_its_base_line(tmp_path):
    """mmengine keeps such a config plain (not new-style), drops the
    imported function from it, and its saved text reads back; an import
    above ``_base_`` is refused by name."""
    (tmp_path / 'base.py').write_text(
        "p = [dict(type='farl_mm.FaceAlignWarp', size=224)]\n")
    body = "p = at_size(_base_.p, 64)\n"
    imp = 'from farl_mm.utils.pipeline_size import at_size\n'
    (tmp_path / 'leaf.py').write_text(
        "_base_ = ['./base.py']\n" + imp + body)
    cfg = Config.fromfile(str(tmp_path / 'leaf.py'))
    assert cfg.p[0].size == 64
    assert 'at_size' not in cfg
    saved = Config.fromstring(cfg.pretty_text, '.py')
    assert saved.to_dict() == cfg.to_dict()
    (tmp_path / 'first.py').write_text(
        imp + "_base_ = ['./base.py']\n" + body)
    with pytest.raises(ConfigParsingError, match='lazy_import'):
        Config.fromfile(str(tmp_path / 'first.py'))
