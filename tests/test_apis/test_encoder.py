"""FaRLEncoder gives OpenAI CLIP's embeddings from both kinds of FaRL files.

Authors' layout: open_clip's ViT-B/16 (QuickGELU) with random weights, saved
as the authors save theirs, is the reference. farl_mm layout: a small
``farl_mm.FaRL`` saved as a Runner saves it, whose own ``extract_feat`` /
``extract_text_feat`` are the reference.
"""
import os.path as osp
import sys

import open_clip  # required: in requirements/tests.txt
import pytest
import torch

from farl_mm.apis import FaRLEncoder
from farl_mm.converters import NotAFaRLCheckpoint

sys.path.insert(0, osp.join(osp.dirname(__file__), '..', 'helpers'))
import clip_reference  # noqa: E402
import farl_checkpoints  # noqa: E402

CAPTIONS = ['a photo of a smiling young woman wearing eyeglasses',
            'a man with a beard and a hat', 'face']


@pytest.fixture(scope='module')
def tiny_run(tmp_path_factory):
    path = tmp_path_factory.mktemp('run') / 'iter_10.pth'
    model = farl_checkpoints.save_pretraining_checkpoint(
        path, farl_checkpoints.farl_cfg())
    return path, model


@torch.no_grad()
def test_authors_vit_b16_matches_open_clip(tmp_path):
    torch.manual_seed(0)
    reference = clip_reference.vit_b16(seed=0)
    path = tmp_path / 'FaRL-Base-Patch16-LAIONFace20M-ep64.pth'
    torch.save({'state_dict': reference.state_dict(), 'epoch': 64}, path)
    encoder = FaRLEncoder.from_checkpoint(path)
    assert encoder.source == 'authors'
    heads = [encoder.image_encoder.layers[0].attn.num_heads,
             encoder.text_encoder.layers[0].attn.num_heads]
    assert heads == [12, 8]

    pixels = torch.randn(2, 3, 224, 224,
                         generator=torch.Generator().manual_seed(1))
    image = encoder.encode_image(pixels)
    expected = reference.encode_image(pixels)
    assert image.shape == (2, 512) and expected.abs().max() > 1
    torch.testing.assert_close(image, expected, atol=1e-5, rtol=0)

    text = encoder.encode_text(CAPTIONS)
    expected = reference.encode_text(open_clip.tokenize(CAPTIONS))
    assert text.shape == (3, 512) and expected.abs().max() > 1
    torch.testing.assert_close(text, expected, atol=1e-5, rtol=0)

    assert encoder.logit_scale.item() == reference.logit_scale.item()


@torch.no_grad()
def test_half_precision_authors_file_runs_in_float(tmp_path):
    """OpenAI-style files hold fp16 weights; the encoder computes in fp32
    (a non-zoo width gets CLIP's 64-dim heads)."""
    reference = clip_reference.small_clip(seed=6).half().float()
    half = {k: v.half() for k, v in reference.state_dict().items()}
    torch.save({'state_dict': half}, tmp_path / 'half.pth')
    encoder = FaRLEncoder.from_checkpoint(tmp_path / 'half.pth')
    pixels = torch.randn(2, 3, 32, 32,
                         generator=torch.Generator().manual_seed(6))
    tokens = open_clip.tokenize(CAPTIONS)
    torch.testing.assert_close(encoder.encode_image(pixels),
                               reference.encode_image(pixels),
                               atol=1e-5, rtol=0)
    torch.testing.assert_close(encoder.encode_text(tokens),
                               reference.encode_text(tokens),
                               atol=1e-5, rtol=0)


@torch.no_grad()
def test_pretraining_checkpoint_matches_the_trained_model(tiny_run):
    path, model = tiny_run
    encoder = FaRLEncoder.from_checkpoint(path)
    assert encoder.source == 'farl_mm'
    pixels = torch.randn(3, 3, 64, 64,
                         generator=torch.Generator().manual_seed(2))
    torch.testing.assert_close(encoder.encode_image(pixels),
                               model.extract_feat(pixels), atol=0, rtol=0)
    tokens = open_clip.tokenize(CAPTIONS)
    torch.testing.assert_close(encoder.encode_text(CAPTIONS),
                               model.extract_text_feat(tokens),
                               atol=0, rtol=0)
    assert encoder.logit_scale.item() == model.logit_scale.item()
    # CLIP's forward: scaled cosine similarities, images by texts
    image = torch.nn.functional.normalize(model.extract_feat(pixels), dim=-1)
    text = torch.nn.functional.normalize(model.extract_text_feat(tokens),
                                         dim=-1)
    logits, logits_t = encoder(pixels, CAPTIONS)
    expected = model.logit_scale.exp() * image @ text.t()
    torch.testing.assert_close(logits, expected, atol=1e-5, rtol=0)
    torch.testing.assert_close(logits_t, expected.t(), atol=1e-5, rtol=0)


@pytest.mark.parametrize('with_cfg', [True, False], ids=['meta.cfg', 'none'])
@torch.no_grad()
def test_head_counts_come_from_the_saved_config(tmp_path, with_cfg):
    """Shapes do not tell heads: a 4-head width-128 tower loads right only
    with the Runner's ``meta.cfg``; without it CLIP's 64-dim rule (2)."""
    arch = dict(farl_checkpoints.SMALL_IMAGE, num_heads=4)
    cfg = farl_checkpoints.farl_cfg(image_arch=arch, text_arch=arch)
    model = farl_checkpoints.save_pretraining_checkpoint(
        tmp_path / 'ckpt.pth', cfg, with_cfg=with_cfg)
    encoder = FaRLEncoder.from_checkpoint(tmp_path / 'ckpt.pth')
    heads = 4 if with_cfg else 2
    assert encoder.image_encoder.layers[0].attn.num_heads == heads
    assert encoder.text_encoder.layers[0].attn.num_heads == heads
    tokens = open_clip.tokenize(CAPTIONS)
    same = torch.allclose(encoder.encode_text(tokens),
                          model.extract_text_feat(tokens), atol=1e-6)
    assert same == with_cfg


def test_image_only_and_bad_files_are_named(tmp_path, tiny_run):
    path, model = tiny_run
    image_only = {'state_dict': {k: v for k, v in model.state_dict().items()
                                 if k.startswith('backbone.')}}
    torch.save(image_only, tmp_path / 'backbone.pth')
    encoder = FaRLEncoder.from_checkpoint(tmp_path / 'backbone.pth')
    assert encoder.encode_image(torch.zeros(1, 3, 64, 64)).shape == (1, 64)
    with pytest.raises(RuntimeError, match='no text tower'):
        encoder.encode_text(['a face'])
    with pytest.raises(ValueError, match=r'\(B, 3, H, W\)'):
        encoder.encode_image(torch.zeros(3, 64, 64))

    torch.save({'state_dict': {'head.fc.weight': torch.zeros(2, 2)}},
               tmp_path / 'resnet.pth')
    with pytest.raises(NotAFaRLCheckpoint,
                       match=r'resnet\.pth: neither a farl_mm .* starts '
                       r'with head\.fc\.weight'):
        FaRLEncoder.from_checkpoint(tmp_path / 'resnet.pth')

    broken = dict(model.state_dict())
    broken['text_backbone.proj'] = broken['text_backbone.proj'][:, :8]
    broken['text_backbone.ln_final.weight'] = torch.ones(8)
    torch.save({'state_dict': broken}, tmp_path / 'broken.pth')
    with pytest.raises(NotAFaRLCheckpoint,
                       match=r'broken\.pth: the text_backbone\.\* tensors'):
        FaRLEncoder.from_checkpoint(tmp_path / 'broken.pth')
