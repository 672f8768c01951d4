"""A config at another input size than its recipe's (``_448``,
``tiny_synthetic``, the demos) crops its faces at the size its model
takes: every crop size in its pipelines (farl_mm's face warp and crop,
mmpose's ``TopdownAffine``, the heatmap codec) is the backbone's
``img_size``, and the segmentor pads to it."""
import glob
import os.path as osp

import pytest
from mmengine.config import Config

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
SIZED = sorted(
    glob.glob(osp.join(REPO, 'configs', 'farl', '*_448.py')) +
    glob.glob(osp.join(REPO, 'configs', 'farl', '*tiny_synthetic*.py')) +
    glob.glob(osp.join(REPO, 'configs', 'demo', '*_tiny_demo.py')))


def _crop_sizes(pipeline):
    """(w, h) of each step that crops or encodes at the input size."""
    for t in pipeline:
        name = t['type'].split('.')[-1]
        if name in ('FaceAlignWarp', 'FaceAlignCrop'):
            yield (t['size'], t['size'])
        elif name == 'TopdownAffine':
            yield tuple(t['input_size'])
        elif name == 'GenerateTarget':
            yield tuple(t['encoder']['input_size'])


def test_sized_configs_are_found():
    names = {osp.relpath(p, REPO) for p in SIZED}
    assert len([n for n in names if n.endswith('_448.py')]) == 5
    assert {'configs/farl/lapa_upernet_tiny_synthetic.py',
            'configs/farl/aflw19_upernet_tiny_synthetic.py',
            'configs/farl/celeba_attributes_tiny_synthetic.py',
            'configs/demo/lapa_upernet_tiny_demo.py',
            'configs/demo/aflw19_upernet_tiny_demo.py'} <= names


@pytest.mark.parametrize('path', SIZED,
                         ids=[osp.relpath(p, REPO) for p in SIZED])
def test_pipelines_crop_at_the_models_input_size(path):
    cfg = Config.fromfile(path)
    size = cfg.model.backbone.img_size
    sizes = set()
    for split in ('train', 'val', 'test'):
        loader = cfg.get(f'{split}_dataloader')
        if loader:
            steps = list(_crop_sizes(loader.dataset.pipeline))
            assert steps, f'{split}: no step crops at the input size'
            sizes.update(steps)
    assert sizes == {(size, size)}
    pads = cfg.model.data_preprocessor.get('size')
    assert pads is None or tuple(pads) == (size, size)
