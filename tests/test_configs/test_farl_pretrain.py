"""The FaRL pretraining configs: the paper's recipe in numbers, and every
config's model (towers shrunk, structure kept) running one loss step."""
import glob
import math
import os.path as osp

import pytest
import torch
from mmengine.config import Config
from mmengine.registry import PARAM_SCHEDULERS
from mmpretrain.structures import DataSample

from farl_mm.registry import MODELS

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
FARL = osp.join(REPO, 'configs', 'farl')
MAIN = osp.join(FARL, 'farl_vit-b16_laion-face20m_pretrain.py')
CONFIGS = sorted([MAIN, osp.join(FARL, 'farl_vit-b16_laion-face20m_'
                                 'pretrain_fsdp.py'),
                  osp.join(FARL, 'farl_vit-tiny_synthetic-shards_pretrain.py'),
                  *glob.glob(osp.join(FARL, 'ablations', '*.py'))])


def lr_curve(schedulers, epoch_length, iters, lr=1e-3):
    """The lr of each iteration under the configured epoch-based steps."""
    param = torch.nn.Parameter(torch.zeros(1))
    optim = torch.optim.AdamW([param], lr=lr)
    built = []
    for cfg in schedulers:
        cfg = dict(cfg)
        cls = PARAM_SCHEDULERS.get(cfg.pop('type'))
        assert cfg.pop('convert_to_iter_based') and cfg.pop('by_epoch')
        built.append(cls.build_iter_from_epoch(
            optim, epoch_length=epoch_length, **cfg))
    lrs = []
    for _ in range(iters):
        lrs.append(optim.param_groups[0]['lr'])
        optim.step()
        for scheduler in built:
            scheduler.step()
    return lrs


def test_main_config_is_the_papers_recipe():
    cfg = Config.fromfile(MAIN)
    wrapper = cfg.optim_wrapper
    assert wrapper.type == 'AmpOptimWrapper'
    assert wrapper.clip_grad == dict(max_norm=1.0)
    assert wrapper.optimizer.type == 'ZeroRedundancyOptimizer'
    assert wrapper.optimizer.optimizer_type == 'AdamW'
    assert wrapper.optimizer.weight_decay == 0.05
    assert cfg.train_cfg.max_epochs == 16
    assert cfg.train_dataloader.batch_size * 32 == 5120
    assert cfg.auto_scale_lr.base_batch_size == 5120
    assert cfg.model.backbone.with_cp and cfg.model.text_backbone.with_cp
    assert cfg.model.mim_head.depth == 1
    assert cfg.model.target_generator.type == 'farl_mm.DALLETokenizer'
    # warm-up 1e-6 -> 1e-3 over epoch 1, cosine to 9e-4 at the end of 16
    lrs = lr_curve(cfg.param_scheduler, epoch_length=10, iters=161)
    assert lrs[0] == pytest.approx(1e-6)
    assert lrs[10] == pytest.approx(1e-3)
    assert lrs[85] == pytest.approx((1e-3 + 9e-4) / 2, rel=1e-3)
    assert lrs[160] == pytest.approx(9e-4, rel=1e-4)
    assert all(a >= b for a, b in zip(lrs[10:], lrs[11:]))


def test_auto_scale_lr_scales_the_whole_curve():
    """One 8-GPU node (global batch 1280): ``--auto-scale-lr`` sets the
    optimizer's lr x 1280/5120 before the schedulers read it; warm-up and
    cosine floor follow, so the curve is the paper's, scaled."""
    cfg = Config.fromfile(MAIN)
    ratio = 8 * cfg.train_dataloader.batch_size / \
        cfg.auto_scale_lr.base_batch_size
    assert ratio == 0.25
    paper = lr_curve(cfg.param_scheduler, epoch_length=10, iters=161)
    scaled = lr_curve(cfg.param_scheduler, epoch_length=10, iters=161,
                      lr=1e-3 * ratio)
    assert scaled == pytest.approx([ratio * lr for lr in paper])
    assert scaled[160] == pytest.approx(2.25e-4, rel=1e-4)  # 0.9 x 2.5e-4


def test_fsdp_variant_uses_the_flexible_runner():
    cfg = Config.fromfile(MAIN.replace('.py', '_fsdp.py'))
    assert cfg.runner_type == 'FlexibleRunner'
    assert cfg.strategy.type == 'FSDPStrategy'
    assert cfg.optim_wrapper.optimizer.type == 'AdamW'
    assert cfg.optim_wrapper.paramwise_cfg.custom_keys.logit_scale == dict(
        decay_mult=0.)


def shrink(model):
    """Tiny towers at 64 px; the algorithm's structure is untouched."""
    model.backbone.update(arch='tiny', img_size=64, with_cp=False)
    model.text_backbone.update(arch='tiny', with_cp=False)
    if model.get('mim_head'):
        model.mim_head.update(embed_dims=64, num_heads=4, vocab_size=32)
    tokenizer = model.get('target_generator') or {}
    if tokenizer.get('type') == 'farl_mm.DALLETokenizer':
        # random weights, 32 px copies: a 4x4 token grid
        tokenizer.update(checkpoint=None, size=32, n_hid=4, vocab_size=32)
    elif tokenizer:
        tokenizer.update(vocab_size=32)
    return model


@pytest.mark.parametrize('path', CONFIGS,
                         ids=[osp.relpath(p, FARL) for p in CONFIGS])
def test_every_config_takes_one_loss_step(path):
    cfg = Config.fromfile(path)
    torch.manual_seed(0)
    model = MODELS.build(shrink(cfg.model))
    samples = []
    for _ in range(2):
        sample = DataSample()
        tokens = torch.zeros(77, dtype=torch.long)
        tokens[:3] = torch.tensor([49406, 320, 49407])
        sample.set_field(tokens, 'text_tokens')
        sample.set_field(torch.eye(4, dtype=torch.bool), 'mask')
        samples.append(sample)
    data = model.data_preprocessor(dict(
        inputs=[torch.randint(0, 256, (3, 64, 64), dtype=torch.uint8)
                for _ in range(2)], data_samples=samples), True)
    losses = model(**data, mode='loss')
    assert ('loss_mim' in losses) == (cfg.model.get('mim_head') is not None)
    assert abs(losses['loss_itc'].item() - math.log(2)) < 1.0
    sum(v for k, v in losses.items() if k.startswith('loss')).backward()
    assert model.logit_scale.grad.abs() > 0
    if 'loss_mim' in losses:  # the masked pass reaches the mask token
        assert model.backbone.mask_token.grad.abs().sum() > 0
