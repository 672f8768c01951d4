"""Test support: small farl_mm pretraining checkpoints, as a Runner saves them.

The model is the real ``farl_mm.FaRL`` (both towers, MIM head, a
weight-free target tokenizer) with every tensor perturbed; the file has the
Runner's ``meta.cfg`` text and a message hub holding ``HistoryBuffer``s, so
loading it exercises the weights-only allow-list too.
"""
import torch
from mmengine.config import Config
from mmengine.logging import MessageHub

from farl_mm.models.backbones.farl_vit import FaRLViT
from farl_mm.registry import MODELS

# 64-dim heads, as OpenAI's ``build_model`` assumes, and not a zoo width.
SMALL_IMAGE = dict(embed_dims=128, num_layers=2, num_heads=2,
                   feedforward_channels=512, output_dims=96)
SMALL_TEXT = dict(SMALL_IMAGE, num_layers=3)


def farl_cfg(image_arch='tiny', text_arch='tiny', img_size=64):
    """``farl_mm.FaRL`` with MIM; archs are zoo names or dicts."""
    settings = FaRLViT.arch_zoo[image_arch] if isinstance(
        image_arch, str) else image_arch
    width, heads = settings['embed_dims'], settings['num_heads']
    return dict(
        type='farl_mm.FaRL',
        backbone=dict(type='farl_mm.MaskedFaRLViT', arch=image_arch,
                      img_size=img_size, out_indices=(-1, ),
                      out_type='embedding'),
        text_backbone=dict(type='farl_mm.CLIPTextTransformer',
                           arch=text_arch),
        mim_head=dict(type='farl_mm.MIMHead', embed_dims=width,
                      num_heads=heads, vocab_size=32),
        target_generator=dict(type='farl_mm.RandomProjectionTokenizer',
                              vocab_size=32),
        data_preprocessor=dict(
            type='mmpretrain.ClsDataPreprocessor',
            mean=(122.771, 116.746, 104.094), std=(68.501, 66.632, 70.323),
            to_rgb=True))


def save_pretraining_checkpoint(path, cfg, seed=0, with_cfg=True):
    """Build ``cfg``, perturb it, save it the Runner's way; return the
    model in eval mode."""
    torch.manual_seed(seed)
    model = MODELS.build(cfg)
    model.init_weights()
    gen = torch.Generator().manual_seed(seed)
    with torch.no_grad():  # LayerNorms off 1/0 so nothing is trivial
        for p in model.parameters():
            p.add_(0.02 * torch.randn(p.shape, generator=gen))
    hub = MessageHub(f'farl_ckpt_{seed}_{id(model)}')
    hub.update_scalar('train/loss', 1.5)
    meta = dict(epoch=1, iter=10)
    if with_cfg:
        meta['cfg'] = Config(dict(model=cfg)).pretty_text
    torch.save(dict(meta=meta, state_dict=model.state_dict(),
                    message_hub=hub.state_dict()), path)
    return model.eval()
