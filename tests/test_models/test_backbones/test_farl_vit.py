"""FaRLViT's contract: output types, taps, sizes, freezing, checkpointing,
position-embedding resizing, and building from every library's scope
(farl_mm.registry: scope 'farl_mm', ``farl_mm.X`` from mmseg, mmpose and
mmpretrain)."""
import pytest
import torch
from mmengine.registry import DefaultScope, init_default_scope
from mmpretrain.models.utils import resize_pos_embed

import farl_mm  # noqa: F401
from farl_mm.models import FaRLViT
from farl_mm.registry import MODELS


def tiny(**kwargs):
    kwargs.setdefault('out_indices', (0, 1, 2, 3))
    return FaRLViT(arch='tiny', img_size=64, **kwargs)


def test_clip_layout():
    model = FaRLViT()  # ViT-B/16 at 224, as released
    assert model.patch_embed.projection.bias is None
    assert model.pos_embed.shape == (1, 197, 768)
    assert model.proj.shape == (768, 512)
    assert model.pre_norm.eps == model.ln1.eps == 1e-5
    assert type(model.layers[0].ffn.layers[0][1]).__name__ == 'QuickGELU'
    assert model.out_indices == [3, 5, 7, 11]
    assert sum(p.numel() for p in model.parameters()) == 86_192_640


@pytest.mark.parametrize('out_type,shape', [
    ('featmap', (2, 64, 4, 4)),
    ('raw', (2, 17, 64)),
    ('cls_token', (2, 64)),
    ('embedding', (2, 64)),
])
def test_out_types(out_type, shape):
    outs = tiny(out_type=out_type)(torch.randn(2, 3, 64, 64))
    assert len(outs) == 4 and all(o.shape == shape for o in outs)


@torch.no_grad()
def test_outputs_are_the_raw_residual_stream():
    model = tiny().eval()
    x = torch.randn(2, 3, 64, 64)
    feats = model(x)
    tokens, _ = model.embed(x)
    for i, layer in enumerate(model.layers):
        tokens = layer(tokens)
        expected = tokens[:, 1:].transpose(1, 2).reshape(2, 64, 4, 4)
        torch.testing.assert_close(feats[i], expected)
    model.out_type = 'embedding'
    torch.testing.assert_close(model(x)[-1],
                               model.ln1(tokens[:, 0]) @ model.proj)


@torch.no_grad()
def test_forward_time_resize_equals_load_time_resize():
    """A 64-px model on 128-px input equals a 128-px model loaded from it."""
    small = tiny().eval()
    large = FaRLViT(arch='tiny', img_size=128, out_indices=(0, 1, 2, 3))
    large.load_state_dict(small.state_dict())
    assert large.pos_embed.shape == (1, 65, 64)
    expected = resize_pos_embed(small.pos_embed, (4, 4), (8, 8), 'bicubic')
    torch.testing.assert_close(large.pos_embed, expected)
    x = torch.randn(1, 3, 128, 128)
    for a, b in zip(small(x), large.eval()(x)):
        assert a.shape == (1, 64, 8, 8)
        torch.testing.assert_close(a, b)


def test_freeze_whole_backbone():
    model = tiny(frozen_stages=4)
    assert not any(p.requires_grad for p in model.parameters())
    model.train()
    assert not any(m.training for m in model.layers.modules())


def test_freeze_first_blocks():
    model = tiny(frozen_stages=2, drop_rate=0.1, out_type='embedding').train()
    frozen = [model.patch_embed, model.pre_norm, model.layers[0],
              model.layers[1]]
    assert not any(p.requires_grad for m in frozen for p in m.parameters())
    assert not model.cls_token.requires_grad
    assert not model.pos_embed.requires_grad
    assert all(p.requires_grad for p in model.layers[2].parameters())
    assert model.proj.requires_grad and model.ln1.weight.requires_grad
    assert not model.layers[1].training and model.layers[2].training
    model(torch.randn(2, 3, 64, 64))[-1].sum().backward()
    assert model.layers[0].attn.qkv.weight.grad is None
    assert model.layers[2].attn.qkv.weight.grad is not None


def test_activation_checkpointing_gives_the_same_gradients():
    torch.manual_seed(0)
    plain = tiny(out_type='embedding').train()
    ckpt = tiny(out_type='embedding', with_cp=True).train()
    ckpt.load_state_dict(plain.state_dict())
    x = torch.randn(2, 3, 64, 64)
    for model in (plain, ckpt):
        model(x)[-1].square().sum().backward()
    for (name, a), b in zip(plain.named_parameters(), ckpt.parameters()):
        torch.testing.assert_close(a.grad, b.grad, msg=name)


@pytest.mark.parametrize('scope', ['mmseg', 'mmpose', 'mmpretrain'])
def test_builds_from_every_library_scope(scope):
    from mmengine.registry import MODELS as ROOT
    init_default_scope(scope)
    try:
        model = ROOT.build(dict(type='farl_mm.FaRLViT', arch='tiny',
                                img_size=64, out_indices=(3, )))
    finally:
        DefaultScope._instance_dict.pop(scope, None)
    assert isinstance(model, FaRLViT)
    assert MODELS.scope == 'farl_mm' and MODELS.get('FaRLViT') is FaRLViT


def test_default_taps_follow_the_arch():
    assert FaRLViT(arch='tiny', img_size=64).out_indices == [0, 1, 2, 3]
    custom = dict(embed_dims=32, num_layers=3, num_heads=2,
                  feedforward_channels=64, output_dims=16)
    assert FaRLViT(arch=custom, img_size=32).out_indices == [2]


@pytest.mark.parametrize('out_type,trained_ln_post,trained_proj', [
    ('featmap', False, False), ('raw', False, False),
    ('cls_token', True, False), ('embedding', True, True)])
def test_every_trainable_parameter_gets_a_gradient(out_type, trained_ln_post,
                                                   trained_proj):
    """What the output never reaches is frozen, so DDP finds no unused
    parameter; the forward stops at the last tap."""
    model = tiny(out_type=out_type, out_indices=(1, ))
    outs = model(torch.randn(2, 3, 64, 64))
    assert len(outs) == 1
    outs[0].square().sum().backward()
    for name, p in model.named_parameters():
        assert (p.grad is not None) == p.requires_grad, name
    assert model.ln1.weight.requires_grad == trained_ln_post
    assert model.proj.requires_grad == trained_proj
    assert not any(p.requires_grad for p in model.layers[2:].parameters())
    assert all(p.requires_grad for p in model.layers[:2].parameters())


@torch.no_grad()
def test_repeated_taps_repeat_the_block():
    """The layer study's single level: block 2 fed to four head inputs."""
    model = tiny(out_indices=(1, 1, 1, 1)).eval()
    reference = tiny().eval()
    reference.load_state_dict(model.state_dict())
    x = torch.randn(1, 3, 64, 64)
    feats = model(x)
    assert len(feats) == 4
    for feat in feats:
        torch.testing.assert_close(feat, reference(x)[1])


def test_pretrained_becomes_init_cfg_as_in_mmseg(tmp_path):
    """mmseg's EncoderDecoder hands ``model.pretrained`` to the backbone."""
    source = tiny()
    path = str(tmp_path / 'farl_mm.pth')
    torch.save({'state_dict': {f'backbone.{k}': v for k, v in
                               source.state_dict().items()}}, path)
    model = tiny(pretrained=path)
    assert model.init_cfg == dict(type='Pretrained', checkpoint=path,
                                  prefix='backbone.')
    model.init_weights()
    for key, value in source.state_dict().items():
        assert torch.equal(model.state_dict()[key], value), key
    mine = dict(type='Pretrained', checkpoint='mine.pth', prefix='backbone.')
    with pytest.warns(UserWarning, match='both init_cfg.*init_cfg is used'):
        both = tiny(pretrained=path, init_cfg=mine)
    assert both.init_cfg == mine
