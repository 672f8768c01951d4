"""Every shipped face alignment config loads, and its pieces agree: the
head predicts one map per landmark of its dataset, at the codec's size,
from inputs of the size the pipelines crop and the backbone expects."""
import glob
import os.path as osp

import pytest
from mmengine.config import Config

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CONFIGS = sorted(
    glob.glob(osp.join(REPO, 'configs', 'farl', '*', 'aflw19_*.py')) +
    [p for d in ('aflw19', 'wflw', '300w') for p in glob.glob(
        osp.join(REPO, 'configs', 'farl', f'{d}_upernet*.py'))])
KEYPOINTS = {'FaRLAFLW19Dataset': 19, 'FaRLWFLWDataset': 98,
             'FaRLFace300WDataset': 68}


def _pipeline_sizes(loader):
    dataset = loader['dataset']
    dataset = dataset.get('dataset', dataset)  # few_shot_subset
    return dataset, {tuple(t['input_size']) for t in dataset['pipeline']
                     if 'input_size' in t}


@pytest.mark.parametrize('path', CONFIGS,
                         ids=[osp.relpath(p, REPO) for p in CONFIGS])
def test_alignment_config_is_consistent(path):
    cfg = Config.fromfile(path)
    assert cfg.default_scope == 'mmpose'
    head, codec = cfg.model.head, cfg.model.head.decoder
    train, train_sizes = _pipeline_sizes(cfg.train_dataloader)
    _, test_sizes = _pipeline_sizes(cfg.test_dataloader)
    assert train_sizes == test_sizes == {tuple(codec['input_size'])}
    assert tuple(head.heatmap_size) == tuple(codec['heatmap_size'])
    assert head.out_channels == KEYPOINTS[train['type'].split('.')[-1]]
    target = [t for t in train['pipeline'] if t['type'] == 'GenerateTarget']
    assert target[0]['encoder'] == codec
    if cfg.model.backbone.type == 'farl_mm.FaRLViT':
        assert cfg.model.backbone.img_size == codec['input_size'][0]
    assert any(m['type'] == 'farl_mm.FaceLandmarkMetric' for m in (
        cfg.test_evaluator if isinstance(cfg.test_evaluator, list) else
        [cfg.test_evaluator]))
