"""The backbone-swap examples are their library's stock config with two
changes (the backbone becomes FaRLViT, the data preprocessor's mean/std
CLIP's) and train through ``tools/train.py`` on synthetic data of that
library's format (tiny FaRLViT, 2 iterations). The README's "FaRLViT in
your own configs" snippet builds on a stock mmseg config that sets
``model.pretrained``."""
import ast
import json
import math
import os
import os.path as osp
import re
import sys

import cv2
import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.registry import DefaultScope

from farl_mm.utils.checkpoint_io import load_checkpoint_file

sys.path.insert(0, osp.join(osp.dirname(__file__), '..', 'helpers'))
import tiny_lapa  # noqa: E402

REPO = tiny_lapa.REPO
SWAP = osp.join(REPO, 'configs', 'backbone_swap')
CLIP_MEAN = [122.771, 116.746, 104.094]
CLIP_STD = [68.501, 66.632, 70.323]
STOCK_SEG = 'mmseg::vit/vit_vit-b16_mln_upernet_8xb2-80k_ade20k-512x512.py'
EXAMPLES = {
    'mmseg': ('upernet_farl-vit-b16_mmseg.py', STOCK_SEG),
    'mmpose': ('td-hm_ViTPose-base_farl_coco-256x192_mmpose.py',
               'mmpose::body_2d_keypoint/topdown_heatmap/coco/'
               'td-hm_ViTPose-base_8xb64-210e_coco-256x192.py'),
    'mmpretrain': ('vit-base-p16_farl_in1k_mmpretrain.py',
                   'mmpretrain::vision_transformer/'
                   'vit-base-p16_64xb64_in1k.py'),
}


def _base_of(path):
    """The ``_base_`` list a config file declares."""
    tree = ast.parse(open(path).read())
    return next(ast.literal_eval(node.value) for node in tree.body
                if isinstance(node, ast.Assign)
                and node.targets[0].id == '_base_')


def _preprocessor(cfg, library):
    # mmpretrain's stock configs keep it at the top level (the Runner
    # hands it to the model); mmseg's and mmpose's inside the model
    return cfg['data_preprocessor'] if library == 'mmpretrain' else \
        cfg['model']['data_preprocessor']


def _stock(path, tmp_path):
    """A stock config, inherited as the examples inherit it."""
    config = tmp_path / 'stock.py'
    config.write_text(f'_base_ = [{path!r}]\n')
    return Config.fromfile(str(config))


@pytest.mark.parametrize('library', sorted(EXAMPLES))
def test_example_is_the_stock_config_but_backbone_and_normalisation(
        library, tmp_path):
    name, stock_path = EXAMPLES[library]
    assert _base_of(osp.join(SWAP, name)) == [stock_path]
    ours = Config.fromfile(osp.join(SWAP, name)).to_dict()
    stock = _stock(stock_path, tmp_path).to_dict()
    assert ours['model']['backbone']['type'] == 'farl_mm.FaRLViT'
    prep = _preprocessor(ours, library)
    assert (prep['mean'], prep['std']) == (CLIP_MEAN, CLIP_STD)
    assert prep.get('bgr_to_rgb', prep.get('to_rgb')) is True  # RGB
    assert 'farl_mm' in ours['custom_imports']['imports']
    stock_imports = (stock.get('custom_imports') or {}).get('imports', [])
    assert set(stock_imports) <= set(ours['custom_imports']['imports'])
    for cfg in (ours, stock):  # what the example may change
        for key in ('custom_imports', 'farl_checkpoint'):
            cfg.pop(key, None)
        cfg['model'].pop('backbone')
        cfg['model'].pop('pretrained', None)  # the backbone's weights
        for key in ('mean', 'std'):
            _preprocessor(cfg, library).pop(key)
    assert ours == stock


def _write_ade20k(root, num=4, size=64):
    """ADE20K's layout: ``images/training/*.jpg`` and label PNGs (0 is
    "other", 1-150 the classes) in ``annotations/training``."""
    rng = np.random.default_rng(0)
    for i in range(num):
        blocks = rng.integers(0, 151, (8, 8), dtype=np.uint8)
        label = cv2.resize(blocks, (size, size),
                           interpolation=cv2.INTER_NEAREST)
        img = rng.integers(0, 255, (size, size, 3), dtype=np.uint8)
        for sub, data, ext in (('images', img, 'jpg'),
                               ('annotations', label, 'png')):
            path = osp.join(root, sub, 'training', f'ADE_{i:08d}.{ext}')
            _imwrite(path, data)


def _write_coco_keypoints(root, num=4, size=(96, 128)):
    """COCO's person keypoints: ``train2017/*.jpg`` and
    ``annotations/person_keypoints_train2017.json``, one person each."""
    rng = np.random.default_rng(0)
    w, h = size
    images, annotations = [], []
    for i in range(1, num + 1):
        name = f'{i:012d}.jpg'
        _imwrite(osp.join(root, 'train2017', name),
                 rng.integers(0, 255, (h, w, 3), dtype=np.uint8))
        box = [16.0, 16.0, w - 32.0, h - 32.0]
        points = rng.uniform([box[0], box[1]], [box[0] + box[2],
                                                box[1] + box[3]], (17, 2))
        keypoints = np.concatenate([points, np.full((17, 1), 2)], 1)
        images.append(dict(id=i, file_name=name, width=w, height=h))
        annotations.append(dict(
            id=i, image_id=i, category_id=1, bbox=box, iscrowd=0,
            area=box[2] * box[3], num_keypoints=17,
            keypoints=keypoints.flatten().round(2).tolist()))
    ann = dict(images=images, annotations=annotations, categories=[dict(
        id=1, name='person', supercategory='person',
        keypoints=[f'k{j}' for j in range(17)], skeleton=[])])
    path = osp.join(root, 'annotations', 'person_keypoints_train2017.json')
    _makedirs(path)
    with open(path, 'w') as f:
        json.dump(ann, f)


def _write_imagenet(root, num=4, size=48):
    """ImageNet's layout: ``train/*`` and ``meta/train.txt`` (name label)."""
    rng = np.random.default_rng(0)
    lines = []
    for i in range(num):
        name = f'n0000000{i}_{i}.JPEG'
        _imwrite(osp.join(root, 'train', name),
                 rng.integers(0, 255, (size, size, 3), dtype=np.uint8))
        lines.append(f'{name} {7 * i}')
    _makedirs(osp.join(root, 'meta', 'train.txt'))
    with open(osp.join(root, 'meta', 'train.txt'), 'w') as f:
        f.write('\n'.join(lines) + '\n')


def _makedirs(path):
    os.makedirs(osp.dirname(path), exist_ok=True)


def _imwrite(path, data):
    _makedirs(path)
    assert cv2.imwrite(path, data), path


# The tiny override each test run adds: a 4-block, 64-wide FaRLViT (no
# weights to download) and the head's input width that follows from it;
# for mmseg also 128-px crops (the stock 512 px makes the 150-class loss
# alone take ~8 s per iteration here).
TINY = {
    'mmseg': (_write_ade20k, 'iter_2.pth', """
crop = (128, 128)
model = dict(
    pretrained=None,
    data_preprocessor=dict(size=crop),
    backbone=dict(arch='tiny', img_size=crop, out_indices=(0, 1, 2, 3)),
    neck=dict(in_channels=[64] * 4, out_channels=64),
    decode_head=dict(in_channels=[64] * 4, channels=16),
    auxiliary_head=dict(in_channels=64, channels=16))
train_dataloader['dataset']['pipeline'] = [
    dict(t, scale=(512, 128)) if t['type'] == 'RandomResize' else
    dict(t, crop_size=crop) if t['type'] == 'RandomCrop' else t
    for t in _base_.train_pipeline]
train_cfg = dict(max_iters=2)
"""),
    'mmpose': (_write_coco_keypoints, 'epoch_1.pth', """
model = dict(
    backbone=dict(arch='tiny', out_indices=(3, ), init_cfg=None),
    head=dict(in_channels=64, deconv_out_channels=(32, 32)))
train_cfg = dict(max_epochs=1)
"""),
    'mmpretrain': (_write_imagenet, 'epoch_1.pth', """
model = dict(
    backbone=dict(arch='tiny', out_indices=(3, ), init_cfg=None),
    head=dict(in_channels=64))
train_cfg = dict(max_epochs=1)
"""),
}
LOADER = """
_base_ = [{example!r}]
train_dataloader = dict(batch_size=2, num_workers=0, persistent_workers=False,
                        dataset=dict(data_root={root!r}))
default_hooks = dict(logger=dict(interval=1))
randomness = dict(seed=0)
"""


@pytest.mark.parametrize('library', sorted(EXAMPLES))
def test_example_trains_on_its_librarys_data_format(library, tmp_path):
    write, checkpoint, tiny = TINY[library]
    root = str(tmp_path / 'data')
    write(root)
    config = tmp_path / f'tiny_{library}.py'
    config.write_text(LOADER.format(
        example=osp.join(SWAP, EXAMPLES[library][0]), root=root) + tiny)
    work_dir = tmp_path / 'work'
    tiny_lapa.tool_inline('train.py', config, '--work-dir', work_dir,
                          '--no-validate')
    log = tiny_lapa.scalars(work_dir)
    losses = [s['loss'] for s in log if 'loss' in s]
    assert len(losses) == 2 and all(math.isfinite(x) for x in losses)
    saved = load_checkpoint_file(str(work_dir / checkpoint))
    # every trainable parameter, FaRLViT's included, got gradients
    cfg = Config.fromfile(str(config))
    with tiny_lapa.mmengine_state_restored(), \
            DefaultScope.overwrite_default_scope(cfg.default_scope):
        from mmengine.registry import MODELS
        model = MODELS.build(cfg.model)
    assert type(model.backbone).__name__ == 'FaRLViT'
    trainable = [n for n, p in model.named_parameters() if p.requires_grad]
    assert any(n.startswith('backbone.layers.') for n in trainable)
    state = saved['optimizer']['state']
    assert len(state) == len(trainable)
    assert all(s['exp_avg'].abs().sum() > 0 for s in state.values())


def _readme_snippet():
    text = open(osp.join(REPO, 'README.md')).read()
    section = text.split('## FaRLViT in your own configs', 1)[1]
    return re.search(r'```python\n(.*?)```', section, re.S).group(1)


def test_readme_snippet_works_on_a_stock_mmseg_config(tmp_path):
    """Stock mmseg configs set ``model.pretrained``, which the segmentor
    hands its backbone: FaRLViT takes it, and the snippet's init_cfg wins
    with a warning naming the ignored path."""
    config = tmp_path / 'mine.py'
    config.write_text(f'_base_ = [{STOCK_SEG!r}]\n' + _readme_snippet())
    cfg = Config.fromfile(str(config))
    stock_weights = cfg.model.pretrained
    assert stock_weights == 'pretrain/vit_base_patch16_224.pth'
    with tiny_lapa.mmengine_state_restored(), \
            DefaultScope.overwrite_default_scope('mmseg'), \
            pytest.warns(UserWarning, match=re.escape(stock_weights)):
        from mmseg.registry import MODELS
        model = MODELS.build(cfg.model)
    assert type(model.backbone).__name__ == 'FaRLViT'
    assert model.backbone.init_cfg == cfg.model.backbone.init_cfg
    prep = model.data_preprocessor
    torch.testing.assert_close(prep.mean.flatten(), torch.tensor(CLIP_MEAN))
