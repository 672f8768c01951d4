"""The converted backbone equals an independent OpenAI-CLIP implementation.

open_clip's ``ViT-B-16-quickgelu`` stands in for the authors' model (they load
their file into OpenAI's CLIP ViT-B/16). Random weights are saved in the
authors' layout, converted by the CLI, loaded through ``init_cfg`` and
compared block by block.
"""
import os.path as osp
import subprocess
import sys

import open_clip  # requirements/tests.txt: a missing one fails, not skips
import pytest
import torch
from mmpretrain.models.utils import resize_pos_embed

import farl_mm  # noqa: F401
from farl_mm.registry import MODELS

sys.path.insert(0, osp.join(osp.dirname(__file__), '..', 'helpers'))
import clip_reference  # noqa: E402

TAPS = (3, 5, 7, 11)


@pytest.fixture(scope='module')
def reference():
    model = open_clip.create_model('ViT-B-16-quickgelu', pretrained=None)
    return clip_reference.randomise(model)


@pytest.fixture(scope='module')
def converted(reference, tmp_path_factory, repo_root):
    tmp = tmp_path_factory.mktemp('ckpt')
    src, dst = tmp / 'FaRL-Base-Patch16.pth', tmp / 'farl_mm.pth'
    torch.save({'state_dict': reference.state_dict(), 'epoch': 16}, src)
    out = subprocess.run(
        [sys.executable, 'tools/model_converters/farl2mm.py', str(src),
         str(dst)], cwd=repo_root, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert 'dropped 0' in out.stdout
    return dst


def _reference_features(reference, x):
    """Residual stream after each tapped block and the projected embedding."""
    feats = {}
    hooks = [reference.visual.transformer.resblocks[i].register_forward_hook(
        lambda m, a, out, i=i: feats.__setitem__(i, out)) for i in TAPS]
    try:
        embedding = reference.encode_image(x)
    finally:
        for h in hooks:
            h.remove()
    assert reference.visual.transformer.batch_first
    return [feats[i] for i in TAPS], embedding


def _build(ckpt, **kwargs):
    init_cfg = dict(type='Pretrained', checkpoint=str(ckpt),
                    prefix='backbone.')
    model = MODELS.build(
        dict(type='farl_mm.FaRLViT', init_cfg=init_cfg, **kwargs))
    model.init_weights()
    return model.eval()


def _assert_matches(model, reference, x):
    ref_feats, ref_embedding = _reference_features(reference, x)
    with torch.no_grad():
        feats = model(x)
        model.out_type = 'raw'
        tokens = model(x)
        model.out_type = 'embedding'
        embedding = model(x)[-1]
    for fmap, tok, ref in zip(feats, tokens, ref_feats):
        B, C, H, W = fmap.shape
        torch.testing.assert_close(tok, ref, atol=1e-4, rtol=0)
        torch.testing.assert_close(
            fmap, ref[:, 1:].transpose(1, 2).reshape(B, C, H, W),
            atol=1e-4, rtol=0)
    torch.testing.assert_close(embedding, ref_embedding, atol=1e-4, rtol=0)


@torch.no_grad()
def test_converted_backbone_matches_open_clip_224(reference, converted):
    x = torch.randn(2, 3, 224, 224, generator=torch.Generator().manual_seed(1))
    model = _build(converted)
    _assert_matches(model, reference, x)


@pytest.mark.parametrize('built_for', [448, 224],
                         ids=['load-time', 'forward-time'])
@torch.no_grad()
def test_converted_backbone_matches_open_clip_448(reference, converted,
                                                  built_for):
    """448 px with bicubic-resized position embeddings, resized either when
    loading (``img_size=448``) or on the fly (``img_size=224``)."""
    model = _build(converted, img_size=built_for)
    ref448 = open_clip.create_model(
        'ViT-B-16-quickgelu', pretrained=None, force_image_size=448).eval()
    state = dict(reference.state_dict())
    pos = state['visual.positional_embedding'][None]
    state['visual.positional_embedding'] = resize_pos_embed(
        pos, (14, 14), (28, 28), 'bicubic', num_extra_tokens=1)[0]
    ref448.load_state_dict(state)
    x = torch.randn(2, 3, 448, 448, generator=torch.Generator().manual_seed(2))
    _assert_matches(model, ref448, x)
