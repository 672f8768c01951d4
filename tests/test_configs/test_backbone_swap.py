"""The backbone-swap example configs build in their own library's scope and
train: forward, loss and backward on CPU with FaRLViT's gradients flowing."""
import os.path as osp

import torch
from mmengine import Config
from mmengine.registry import init_default_scope
from mmengine.structures import PixelData

import farl_mm  # noqa: F401

CONFIGS = osp.join(osp.dirname(__file__), '..', '..', 'configs',
                   'backbone_swap')


def _build(name):
    cfg = Config.fromfile(osp.join(CONFIGS, name))
    cfg.model.backbone.init_cfg = None  # no downloaded weights in tests
    # As the Runner does: a top-level data_preprocessor fills the model's.
    cfg.model.setdefault('data_preprocessor', cfg.get('data_preprocessor'))
    init_default_scope(cfg.default_scope)
    from mmengine.registry import MODELS
    model = MODELS.build(cfg.model)
    model.init_weights()
    assert type(model.backbone).__name__ == 'FaRLViT'
    return cfg, model.train()


def _step(model, data):
    data = model.data_preprocessor(data, training=True)
    losses = model(**data, mode='loss')
    loss, _ = model.parse_losses(losses)
    assert torch.isfinite(loss)
    loss.backward()
    grad = model.backbone.layers[0].attn.qkv.weight.grad
    assert grad is not None and grad.abs().sum() > 0
    return losses


def test_mmseg_upernet():
    from mmseg.structures import SegDataSample
    cfg, model = _build('upernet_farl-vit-b16_mmseg.py')
    samples = []
    for _ in range(2):
        sample = SegDataSample(metainfo=dict(img_shape=(224, 224),
                                             pad_shape=(224, 224)))
        sample.gt_sem_seg = PixelData(
            data=torch.randint(0, 11, (1, 224, 224)))
        samples.append(sample)
    data = dict(inputs=[torch.randint(0, 256, (3, 224, 224),
                                      dtype=torch.uint8)] * 2,
                data_samples=samples)
    losses = _step(model, data)
    assert {'decode.loss_ce', 'aux.loss_ce'} <= set(losses)


def test_mmpose_topdown_heatmap():
    from mmpose.testing import get_packed_inputs
    cfg, model = _build('td-hm_farl-vit-b16_wflw-256x256_mmpose.py')
    data = get_packed_inputs(
        batch_size=2, num_keypoints=98, img_shape=(256, 256),
        input_size=(256, 256), heatmap_size=(64, 64), with_heatmap=True)
    losses = _step(model, data)
    assert 'loss_kpt' in losses
    with torch.no_grad():
        heatmaps = model(model.data_preprocessor(data)['inputs'], None,
                         mode='tensor')
    assert heatmaps.shape == (2, 98, 64, 64)


def test_mmpretrain_classifier():
    from mmpretrain.structures import DataSample
    cfg, model = _build('farl-vit-b16_linear_mmpretrain.py')
    data = dict(
        inputs=[torch.randint(0, 256, (3, 224, 224), dtype=torch.uint8)] * 2,
        data_samples=[DataSample().set_gt_label(3),
                      DataSample().set_gt_label(7)])
    losses = _step(model, data)
    assert 'loss' in losses
