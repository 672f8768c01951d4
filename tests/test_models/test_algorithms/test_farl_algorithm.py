"""farl_mm.FaRL: loss terms, the masked pass, the temperature clamp and
strict loading of a converted authors' checkpoint (tiny towers, 64 px).
Covers farl_mm.models.algorithms.farl and
farl_mm.models.backbones.masked_farl_vit (the masked pass)."""
import math
import os.path as osp
import sys

import pytest
import torch
from mmpretrain.structures import DataSample

from farl_mm.converters import convert_farl_state_dict
from farl_mm.registry import MODELS

sys.path.insert(0, osp.join(osp.dirname(__file__), '..', '..', 'helpers'))
import clip_reference  # noqa: E402
import farl_checkpoints  # noqa: E402

WIDTH, VOCAB = 64, 32  # tiny FaRLViT and tiny text tower are 64 wide


def build(mim=True, **kwargs):
    """Tiny towers at 64 px (``farl_checkpoints.farl_cfg``); ``mim=False``:
    the contrastive-only model on a plain FaRLViT."""
    torch.manual_seed(0)
    cfg = farl_checkpoints.farl_cfg()
    if not mim:
        cfg['backbone']['type'] = 'farl_mm.FaRLViT'
        del cfg['mim_head'], cfg['target_generator']
    cfg.update(kwargs)
    model = MODELS.build(cfg)
    model.init_weights()
    return model


def batch(n=4, seed=0):
    gen = torch.Generator().manual_seed(seed)
    samples = []
    for _ in range(n):
        sample = DataSample()
        tokens = torch.zeros(77, dtype=torch.long)
        tokens[0], tokens[1:4], tokens[4] = 49406, torch.randint(
            300, 400, (3, ), generator=gen), 49407
        sample.set_field(tokens, 'text_tokens')
        sample.set_field(torch.rand(4, 4, generator=gen) < 0.4, 'mask')
        samples.append(sample)
    images = [torch.randint(0, 256, (3, 64, 64), dtype=torch.uint8,
                            generator=gen) for _ in range(n)]
    return dict(inputs=images, data_samples=samples)


def test_loss_terms_weights_and_gradients():
    model = build()
    data = model.data_preprocessor(batch(), True)
    assert data['inputs'].shape == (4, 3, 64, 64)
    losses = model(**data, mode='loss')
    assert set(losses) == {'loss_itc', 'acc_itc', 'logit_scale', 'loss_mim',
                           'acc_mim'}
    # random towers: near the chance values ln 4 and ln 32
    assert abs(losses['loss_itc'].item() - math.log(4)) < 1.0
    assert abs(losses['loss_mim'].item() - math.log(VOCAB)) < 1.0
    torch.testing.assert_close(losses['logit_scale'],
                               torch.tensor(1 / 0.07))
    (losses['loss_itc'] + losses['loss_mim']).backward()
    assert model.backbone.mask_token.grad.abs().sum() > 0
    assert model.logit_scale.grad.abs() > 0
    assert model.text_backbone.proj.grad.abs().sum() > 0
    weighted = build(itc_weight=0.5, mim_weight=2.0)(**data, mode='loss')
    torch.testing.assert_close(weighted['loss_itc'], losses['loss_itc'] / 2)
    torch.testing.assert_close(weighted['loss_mim'], losses['loss_mim'] * 2)


def test_itc_only_model_has_no_mim_parts():
    model = build(mim=False)
    losses = model(**model.data_preprocessor(batch(), True), mode='loss')
    assert set(losses) == {'loss_itc', 'acc_itc', 'logit_scale'}
    assert not any(k.startswith(('mim_head', 'backbone.mask_token'))
                   for k in model.state_dict())
    with pytest.raises(ValueError, match='go together'):
        build(mim=False, mim_head=dict(type='farl_mm.MIMHead'))


def test_mask_token_replaces_patches_before_position_embedding():
    backbone = build().backbone.eval()
    x = torch.randn(2, 3, 64, 64)
    none = torch.zeros(2, 4, 4, dtype=torch.bool)
    # no mask: every token of the clean pass's last block, class first
    clean = backbone.embed(x)[0]
    for layer in backbone.layers:
        clean = layer(clean)
    torch.testing.assert_close(backbone(x, none), clean)
    # everything masked: the image no longer matters, the position does
    every = torch.ones(2, 4, 4, dtype=torch.bool)
    out = backbone(x, every)
    assert out.shape == (2, 1 + 16, WIDTH)
    torch.testing.assert_close(out, backbone(torch.randn(2, 3, 64, 64),
                                             every))
    assert not torch.allclose(out[0, 1], out[0, 2])
    tokens, _ = backbone.embed(x, every)
    expected = backbone.pre_norm(
        backbone.mask_token[0] + backbone.pos_embed[0, 1:])
    torch.testing.assert_close(tokens[0, 1:], expected)
    # one masked patch changes its own embedding only
    one = none.clone()
    one[0, 1, 2] = True
    diff = (backbone.embed(x, one)[0] != backbone.embed(x)[0]).any(-1)
    assert diff[0].nonzero().flatten().tolist() == [1 + 1 * 4 + 2]
    assert not diff[1].any()
    with pytest.raises(ValueError, match='patch grid'):
        backbone(x, torch.ones(2, 3, 3, dtype=torch.bool))


def test_logit_scale_is_clamped_to_100_and_one():
    model = build(mim=False)
    assert model.logit_scale.item() == pytest.approx(math.log(1 / 0.07))
    with torch.no_grad():
        model.logit_scale.fill_(10.0)
    assert model.scale().item() == pytest.approx(100.0)
    assert model.logit_scale.item() == pytest.approx(math.log(100))
    with torch.no_grad():
        model.logit_scale.fill_(-1.0)
    assert model.scale().item() == pytest.approx(1.0)


def test_missing_text_tokens_name_the_field():
    model = build(mim=False)
    data = model.data_preprocessor(batch(), True)
    for sample in data['data_samples']:
        del sample.text_tokens
    with pytest.raises(KeyError, match='text_tokens'):
        model(**data, mode='loss')


def authors_state_dict():
    """A miniature of the released file with the MIM parts (OpenAI layout,
    farl_reference.md §1) whose towers are the tiny ones."""
    sd = clip_reference.with_mim(clip_reference.small_clip(
        width=WIDTH, text_width=WIDTH, layers=4, heads=4, text_heads=4,
        embed_dim=WIDTH, image_size=64).state_dict(), WIDTH, VOCAB)
    sd['logit_scale'] = torch.tensor(4.0)  # below the clamp at log(100)
    return sd


def test_converted_authors_checkpoint_loads_strictly():
    sd = authors_state_dict()
    model = build()
    converted, report = convert_farl_state_dict(
        sd, parts=('image', 'text', 'mim'))
    assert not report.dropped
    model.load_state_dict(converted, strict=True)
    assert torch.equal(model.backbone.mask_token.flatten(),
                       sd['visual.mask_token'])
    assert torch.equal(model.mim_head.classifier.weight,
                       sd['visual.lm_head.weight'])
    assert torch.equal(model.mim_head.layers[0].attn.qkv.weight,
                       sd['visual.lm_transformer.resblocks.0.attn.'
                          'in_proj_weight'])
    assert torch.equal(model.text_backbone.proj, sd['text_projection'])
    assert model.scale().item() == pytest.approx(math.exp(4.0))
    # also with the DALL-E tokenizer, whose weights are not in the file
    dalle = build(target_generator=dict(
        type='farl_mm.DALLETokenizer', size=32, n_hid=4, vocab_size=VOCAB))
    dalle.load_state_dict(converted, strict=True)
    # and the contrastive-only model takes the image and text parts
    converted, _ = convert_farl_state_dict(sd, parts=('image', 'text'))
    build(mim=False).load_state_dict(converted, strict=True)


def test_mim_branch_matches_the_authors_forward_mim():
    """Their ``lm_transformer`` sees the class token (paper §3.3,
    ``E_MIM(f_cls, f_1..N)``): the converted file's masked-patch logits and
    MIM loss are those of the authors' ``forward_mim`` (fp32, 1e-4)."""
    clip = clip_reference.small_clip(
        width=WIDTH, text_width=WIDTH, layers=4, heads=4, text_heads=4,
        embed_dim=WIDTH, image_size=64)
    sd = clip_reference.with_mim(clip.state_dict(), WIDTH, VOCAB)
    model = build().eval()
    converted, report = convert_farl_state_dict(
        sd, parts=('image', 'text', 'mim'))
    assert not report.dropped
    model.load_state_dict(converted, strict=True)
    gen = torch.Generator().manual_seed(3)
    images = torch.randn(2, 3, 64, 64, generator=gen)
    mask = torch.rand(2, 4, 4, generator=gen) < 0.4
    target = torch.randint(0, VOCAB, (2, 4, 4), generator=gen)
    with torch.no_grad():
        theirs = clip_reference.authors_mim_logits(clip, sd, images, mask,
                                                   VOCAB)
        tokens = model.backbone(images, mask)  # (B, 1 + HW, C)
        ours = model.mim_head(tokens)[mask.flatten(1)]  # (M, V)
        loss, _ = model.mim_head.loss(tokens, target, mask)
        head = model.mim_head
        without_cls = head.classifier(head.ln(head.layers[0](
            tokens[:, 1:])))[mask.flatten(1)]
    assert ours.shape == (int(mask.sum()), VOCAB)
    torch.testing.assert_close(ours, theirs, atol=1e-4, rtol=0)  # seen 8e-6
    torch.testing.assert_close(loss, torch.nn.functional.cross_entropy(
        theirs, target[mask]), atol=1e-4, rtol=0)
    # the class token reaches the masked patches' logits (seen: 0.65 off)
    assert (without_cls - theirs).abs().max() > 0.1
