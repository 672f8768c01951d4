"""The parsing and alignment configs run the authors' downstream model and
recipe (FacePerceiver/FaRL: farl/network/transformers.py `_make_fpns`,
farl/network/mmseg.py, farl/experiments/{face_parsing,face_alignment}/):
their deconvolution pyramid and 768-channel UperNet, weight for weight;
backbone lr 1e-4 against 1e-3 (parsing) / 1e-2 (alignment) for the rest;
their epochs and lr step; evaluation on an EMA of the weights; 5 faces per
GPU; and the 300W / WFLW crop context."""
import copy
import functools
import glob
import os.path as osp

import numpy as np
import pytest
import torch
from mmengine import Config
from mmengine.model import revert_sync_batchnorm
from mmengine.optim import build_optim_wrapper
from mmengine.registry import DefaultScope
from torch import nn

import farl_mm  # noqa: F401

CONFIGS = osp.join(osp.dirname(__file__), '..', '..', 'configs', 'farl')
#: dataset prefix -> (task, epochs); the trainers' `max_epoches`
RECIPES = {'lapa': ('parsing', 300), 'celebamask-hq': ('parsing', 300),
           'aflw19': ('alignment', 150), 'wflw': ('alignment', 150),
           '300w': ('alignment', 250)}
HEAD_LR = {'parsing': 1e-3, 'alignment': 1e-2}
LEAVES = sorted(
    p for p in glob.glob(osp.join(CONFIGS, '*_upernet*.py'))
    if 'tiny_synthetic' not in p)
#: Those whose optimiser or freezing may differ (few-shot variants change
#: only the data), and the Table 1 "Scratch" runs, all at the head's lr.
OPTIMISED = [p for p in LEAVES if 'pct' not in p] + sorted(
    glob.glob(osp.join(CONFIGS, 'table1', '*_scratch.py')))


def _recipe(path):
    return RECIPES[osp.basename(path).split('_upernet')[0]]


@functools.cache
def _loaded(path):
    return Config.fromfile(path)


def _config(path):
    """A fresh copy (tests may change it) of a config read once."""
    return copy.deepcopy(_loaded(osp.normpath(path)))


def _build(cfg, part):
    scope = cfg.default_scope
    with DefaultScope.overwrite_default_scope(scope):
        from mmengine.registry import MODELS
        return MODELS.build(part)


def _authors_pyramid(dim):
    """The layout `_make_fpns` builds for patch 16 (farl/network/
    transformers.py): x4, x2, x1, x0.5."""
    return nn.ModuleList([
        nn.Sequential(nn.ConvTranspose2d(dim, dim, 2, 2),
                      nn.BatchNorm2d(dim), nn.GELU(),
                      nn.ConvTranspose2d(dim, dim, 2, 2)),
        nn.ConvTranspose2d(dim, dim, 2, 2), nn.Identity(),
        nn.MaxPool2d(2, 2)])


def _to_authors(state_dict):
    """farl_mm's Feature2Pyramid keys -> the authors' `fpns.*` keys."""
    rename = {'upsample_4x.': '0.', 'upsample_2x.0.': '1.'}
    out = {}
    for key, value in state_dict.items():
        prefix = next(p for p in rename if key.startswith(p))
        out[rename[prefix] + key[len(prefix):]] = value
    return out


def test_every_recipe_config_is_checked():
    names = {osp.basename(p) for p in LEAVES}
    assert {'lapa_upernet.py', 'celebamask-hq_upernet_ft_448.py',
            'aflw19_upernet.py', 'wflw_upernet_ft_448.py',
            '300w_upernet_ft.py', 'aflw19_upernet_bce.py'} <= names
    assert len(names) == 24


@pytest.mark.parametrize('name', ['lapa_upernet.py', 'aflw19_upernet.py'])
def test_pyramid_is_the_authors_weight_for_weight(name):
    """The ViT-B/16 pyramid has exactly the authors' parameters and
    buffers (renamed), and with them computes exactly what theirs does."""
    cfg = _config(osp.join(CONFIGS, name))
    assert cfg.model.neck.type == 'mmseg.Feature2Pyramid'
    assert cfg.model.neck.rescales == [4, 2, 1, 0.5]
    assert cfg.model.neck.norm_cfg.type == 'SyncBN'  # as the authors
    torch.manual_seed(0)
    neck = _build(cfg, cfg.model.neck)
    assert isinstance(neck.upsample_4x[1], nn.SyncBatchNorm)
    neck = revert_sync_batchnorm(neck).eval()  # what one process runs
    theirs = _authors_pyramid(768).eval()
    mine = _to_authors(neck.state_dict())
    assert {k: v.shape for k, v in mine.items()} == {
        k: v.shape for k, v in theirs.state_dict().items()}
    assert mine['0.0.weight'].shape == (768, 768, 2, 2)
    with torch.no_grad():
        neck.upsample_4x[1].running_mean.uniform_(-1, 1)
        neck.upsample_4x[1].running_var.uniform_(0.5, 2)
    theirs.load_state_dict(_to_authors(neck.state_dict()), strict=True)
    feats = [torch.randn(2, 768, 4, 4) for _ in range(4)]
    with torch.no_grad():
        out = neck(feats)
        expected = [fpn(x) for fpn, x in zip(theirs, feats)]
    assert [o.shape[-1] for o in out] == [16, 8, 4, 2]
    for got, want in zip(out, expected):
        torch.testing.assert_close(got, want, rtol=0, atol=0)


def _authors_upernet(num_classes):
    """mmseg's UPerHead with the authors' arguments (farl/network/mmseg.py,
    channels = head_channel 768 in their trainers)."""
    from mmseg.models.decode_heads import UPerHead
    return UPerHead(
        in_channels=[768] * 4, in_index=[0, 1, 2, 3], pool_scales=(1, 2, 3, 6),
        channels=768, dropout_ratio=0.1, num_classes=num_classes,
        norm_cfg=dict(type='SyncBN', requires_grad=True), align_corners=False,
        loss_decode=dict(type='mmseg.CrossEntropyLoss'))


@pytest.mark.parametrize('name,classes', [
    ('lapa_upernet.py', 11), ('celebamask-hq_upernet.py', 19),
    ('aflw19_upernet.py', 19), ('wflw_upernet.py', 98),
    ('300w_upernet.py', 68)])
def test_upernet_is_the_authors(name, classes):
    cfg = _config(osp.join(CONFIGS, name))
    head = cfg.model.get('decode_head', cfg.model.get('head'))
    assert (head.channels, head.dropout_ratio) == (768, 0.1)
    assert tuple(head.get('pool_scales', (1, 2, 3, 6))) == (1, 2, 3, 6)
    assert head.in_channels == [768] * 4
    assert head.norm_cfg.type == 'SyncBN'
    alignment = 'decode_head' not in cfg.model
    assert (head.out_channels if alignment else head.num_classes) == classes
    if name not in ('lapa_upernet.py', 'aflw19_upernet.py'):
        return  # built once per task: the class count only sizes conv_seg
    theirs = _authors_upernet(classes)
    mine = _build(cfg, head)
    if alignment:
        mine = mine.fusion  # farl_mm.UPerHeatmapHead's UperNet
    assert type(mine) is type(theirs)
    assert {k: v.shape for k, v in mine.state_dict().items()} == {
        k: v.shape for k, v in theirs.state_dict().items()}
    assert mine.conv_seg.weight.shape == (classes, 768, 1, 1)
    assert mine.dropout.p == 0.1 and mine.align_corners is False


def _tiny(cfg):
    """The config's model with a 4-block 64-wide backbone (fast), frozen
    as the config's is."""
    model = cfg.model
    frozen = model.backbone.frozen_stages
    model.backbone.update(arch='tiny', img_size=32, out_indices=(0, 1, 2, 3),
                          frozen_stages=4 if frozen == 12 else frozen,
                          init_cfg=None)
    model.neck.update(embed_dim=64)
    head = model.get('decode_head', model.get('head'))
    head.update(in_channels=[64] * 4, channels=16)
    return _build(cfg, model)


@pytest.mark.parametrize('path', OPTIMISED, ids=osp.basename)
def test_backbone_and_head_learning_rates(path):
    cfg = _config(path)
    task, _ = _recipe(path)
    frozen = cfg.model.backbone.frozen_stages == 12
    assert frozen == ('_ft' not in path and 'scratch' not in path)
    model = _tiny(cfg)
    with DefaultScope.overwrite_default_scope(cfg.default_scope):
        optim = build_optim_wrapper(model, cfg.optim_wrapper)
    lr = {id(p): g['lr'] for g in optim.param_groups for p in g['params']}
    decay = {g['weight_decay'] for g in optim.param_groups}
    assert decay == {1e-5}
    assert optim.optimizer.defaults['betas'] == (0.9, 0.999)
    scratch = osp.basename(path).endswith('scratch.py')
    trained = [n for n, p in model.named_parameters() if p.requires_grad]
    assert any(n.startswith('backbone.') for n in trained) != frozen
    for name, param in model.named_parameters():
        if not param.requires_grad:  # frozen: FaRLViT's frozen_stages
            assert name.startswith('backbone.'), name
            continue
        expected = HEAD_LR[task]
        if name.startswith('backbone.') and not scratch:
            expected = 1e-4
        assert lr[id(param)] == pytest.approx(expected), name


@pytest.mark.parametrize('path', LEAVES, ids=osp.basename)
def test_schedule_ema_and_batch(path):
    cfg = _config(path)
    _, epochs = _recipe(path)
    assert cfg.train_cfg.type == 'EpochBasedTrainLoop'
    assert (cfg.train_cfg.max_epochs, cfg.train_cfg.val_interval) == (
        epochs, 1)
    assert cfg.param_scheduler == [dict(
        type='MultiStepLR', by_epoch=True, milestones=[200], gamma=0.1)]
    ema = [h for h in cfg.custom_hooks if h['type'] == 'EMAHook']
    assert ema == [dict(type='EMAHook', momentum=0.001)]
    assert 1 - ema[0]['momentum'] == pytest.approx(0.999)  # their decay
    loader = cfg.train_dataloader
    assert loader.batch_size == 5
    # an epoch loop over an InfiniteSampler would never end
    assert loader.sampler.type == 'DefaultSampler'


def _crop_corners(cfg):
    """Where a 100 px box at (100, 100) lands in the test crop."""
    from mmpose.registry import TRANSFORMS
    steps = [t for t in cfg.test_dataloader.dataset.pipeline
             if t['type'] in ('GetBBoxCenterScale', 'TopdownAffine')]
    with DefaultScope.overwrite_default_scope('mmpose'):
        steps = [TRANSFORMS.build(t) for t in steps]
    box = np.array([[100.0, 100.0, 200.0, 200.0]], np.float32)
    results = dict(img=np.zeros((400, 400, 3), np.uint8), bbox=box,
                   bbox_score=np.ones(1, np.float32),
                   keypoints=box.reshape(1, 2, 2),
                   keypoints_visible=np.ones((1, 2), np.float32))
    for step in steps:
        results = step(results)
    return results['transformed_keypoints'][0], results['img'].shape[0]


@pytest.mark.parametrize('name,face', [
    ('aflw19_upernet.py', 1.0), ('300w_upernet.py', 0.8),
    ('wflw_upernet.py', 0.8), ('wflw_upernet_ft_448.py', 0.8),
    ('300w_upernet_1pct.py', 0.8)])
def test_face_fills_the_crop_as_the_authors(name, face):
    """`scale_mu` in the authors' trainers: the box spans 0.8 of the crop
    for 300W and WFLW (train and test alike), all of it for AFLW-19."""
    cfg = _config(osp.join(CONFIGS, name))
    corners, size = _crop_corners(cfg)
    margin = (1 - face) / 2 * size
    np.testing.assert_allclose(corners, [[margin, margin],
                                         [size - margin, size - margin]],
                               atol=1e-3)
    train = cfg.train_dataloader.dataset
    train = train.get('dataset', train)  # few_shot_subset
    paddings = {t.get('padding') for t in train.pipeline
                if t['type'] == 'GetBBoxCenterScale'}
    assert paddings == {1 / face}
