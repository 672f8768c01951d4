"""CLIPTextTransformer equals OpenAI CLIP's text tower (open_clip as the
independent implementation), attends causally and pools the end token."""
import os.path as osp
import sys

import pytest
import torch

import farl_mm  # noqa: F401
from farl_mm.converters import convert_farl_state_dict
from farl_mm.registry import MODELS

sys.path.insert(0, osp.join(osp.dirname(__file__), '..', '..', 'helpers'))
import clip_reference  # noqa: E402

TINY = dict(type='farl_mm.CLIPTextTransformer', arch='tiny')


def _text_state(reference):
    """The converter's ``text_backbone.*`` keys of an OpenAI-layout model."""
    converted, _ = convert_farl_state_dict(reference.state_dict())
    prefix = 'text_backbone.'
    return {k[len(prefix):]: v for k, v in converted.items()
            if k.startswith(prefix)}


def _hidden(model, ids):
    """Per-token features after ``ln_final`` and the model's output."""
    seen = {}
    hook = model.ln_final.register_forward_hook(
        lambda m, a, out: seen.__setitem__('tokens', out))
    try:
        out = model(ids)
    finally:
        hook.remove()
    return seen['tokens'], out


@torch.no_grad()
def test_matches_open_clip_text_tower(tmp_path):
    """A small tower (the 'base' arch is compared in test_encoder.py),
    loaded as configs load it: converted file, ``init_cfg``, prefix."""
    reference = clip_reference.small_clip(
        width=64, heads=1, layers=1, text_width=128, text_heads=2,
        text_layers=3, embed_dim=96, seed=3)
    converted, _ = convert_farl_state_dict(reference.state_dict())
    torch.save({'state_dict': converted}, tmp_path / 'farl.pth')
    arch = dict(embed_dims=128, num_layers=3, num_heads=2,
                feedforward_channels=512, output_dims=96)
    model = MODELS.build(dict(
        type='farl_mm.CLIPTextTransformer', arch=arch,
        init_cfg=dict(type='Pretrained', checkpoint=str(tmp_path / 'farl.pth'),
                      prefix='text_backbone.')))
    model.init_weights()
    expected, loaded = _text_state(reference), model.state_dict()
    assert sorted(loaded) == sorted(expected)
    for key, value in expected.items():
        assert torch.equal(loaded[key], value), key
    model.eval()
    ids = clip_reference.random_tokens(3, seed=4)
    expected = reference.encode_text(ids)
    assert expected.abs().max() > 0.1  # the comparison is not of zeros
    torch.testing.assert_close(model(ids), expected, atol=1e-5, rtol=0)


@torch.no_grad()
def test_later_tokens_do_not_reach_earlier_positions():
    model = MODELS.build(TINY).eval()
    ids = clip_reference.random_tokens(2, seed=1)
    changed = ids.clone()
    changed[:, 5:] = (changed[:, 5:] + 7) % 49000  # all positions from 5 on
    before, _ = _hidden(model, ids)
    after, _ = _hidden(model, changed)
    torch.testing.assert_close(after[:, :5], before[:, :5], atol=0, rtol=0)
    # each changed position sees its own new token
    assert (after[:, 5:] - before[:, 5:]).abs().amax(-1).min() > 1e-3


@torch.no_grad()
def test_output_is_projected_end_token_feature():
    model = MODELS.build(TINY).eval()
    ids = torch.zeros(3, 77, dtype=torch.long)
    ends = [1, 9, 76]  # end token right after start, mid, last slot
    for row, end in enumerate(ends):
        ids[row, 0] = 49406
        ids[row, 1:end] = torch.arange(100, 99 + end)
        ids[row, end] = 49407
    tokens, out = _hidden(model, ids)
    expected = torch.stack([tokens[r, e] for r, e in enumerate(ends)])
    torch.testing.assert_close(out, expected @ model.proj, atol=1e-6, rtol=0)
    # padding after the end token cannot change the embedding...
    padded = ids.clone()
    padded[:2, 10:] = 5
    torch.testing.assert_close(model(padded)[:2], out[:2], atol=0, rtol=0)
    # ...a word before it does
    worded = ids.clone()
    worded[1, 3] += 1
    assert (model(worded)[1] - out[1]).abs().max() > 1e-4


def test_checkpointing_gives_the_same_gradients():
    torch.manual_seed(0)
    plain = MODELS.build(TINY).train()
    cp = MODELS.build(dict(TINY, with_cp=True)).train()
    cp.load_state_dict(plain.state_dict())
    ids = clip_reference.random_tokens(2, seed=2)
    for model in (plain, cp):
        model(ids).square().sum().backward()
    for (name, p), q in zip(plain.named_parameters(), cp.parameters()):
        assert p.grad is not None and p.grad.abs().sum() > 0, name
        torch.testing.assert_close(q.grad, p.grad, atol=1e-6, rtol=1e-5)


def test_clip_init_survives_init_weights():
    torch.manual_seed(0)
    model = MODELS.build(TINY)
    before = {k: v.clone() for k, v in model.state_dict().items()}
    model.init_weights()  # mmpretrain's blocks would re-draw their MLPs
    for key, value in model.state_dict().items():
        assert torch.equal(value, before[key]), key
    layer = model.layers[0]
    stds = {  # CLIP, width 64, 2 blocks: 64**-.5, 128**-.5, 64**-.5 * 4**-.5
        'qkv': (layer.attn.qkv.weight, 0.125),
        'fc': (layer.ffn.layers[0][0].weight, 0.08839),
        'out': (layer.ffn.layers[1].weight, 0.0625),
        'token': (model.token_embedding.weight, 0.02),
        'pos': (model.pos_embed, 0.01),
    }
    for name, (weight, std) in stds.items():
        assert abs(weight.std().item() / std - 1) < 0.05, name


def test_bad_input_is_named():
    model = MODELS.build(TINY)
    with pytest.raises(ValueError, match='token ids'):
        model(torch.zeros(2, 77))
    with pytest.raises(ValueError, match='exceed the context length 77'):
        model(torch.zeros(2, 78, dtype=torch.long))
    with pytest.raises(ValueError, match="unknown arch 'huge'"):
        MODELS.build(dict(TINY, arch='huge'))


@torch.no_grad()
def test_seeded_tower_is_pinned():
    """A seed gives the same weights, outputs and global random state as
    when the blocks were built by swapping classes (numbers recorded from
    that code): building them directly draws nothing more or less."""
    torch.manual_seed(0)
    model = MODELS.build(TINY).eval()
    assert torch.rand(1).item() == pytest.approx(0.2829018235, abs=1e-9)
    ids = torch.zeros(2, 77, dtype=torch.long)
    ids[:, 0] = 49406
    ids[0, 1:6] = torch.arange(100, 105)
    ids[0, 6] = 49407
    ids[1, 1:12] = torch.arange(300, 311)
    ids[1, 12] = 49407
    out = model(ids)
    torch.testing.assert_close(
        out[0, :4], torch.tensor([-0.30349705, -1.17358100, -0.05188365,
                                  -0.49086863]), atol=1e-5, rtol=1e-5)
    assert out.abs().sum().item() == pytest.approx(99.57370758, rel=1e-5)
