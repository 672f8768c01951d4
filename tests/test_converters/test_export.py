"""Exports: the authors' layout survives a round trip through farl_mm, the
backbone export loads downstream, and CLIP tooling loads the OpenAI-CLIP
export and computes the same embeddings."""
import os.path as osp
import runpy
import sys
from unittest import mock

import pytest
import open_clip  # requirements/tests.txt: a missing one fails, not skips
import torch

from farl_mm.apis import FaRLEncoder
from farl_mm.converters import convert_farl_state_dict
from farl_mm.converters.export import to_openai_clip
from farl_mm.registry import MODELS

sys.path.insert(0, osp.join(osp.dirname(__file__), '..', 'helpers'))
import clip_reference  # noqa: E402
import farl_checkpoints  # noqa: E402

MIM_PREFIXES = ('visual.mask_token', 'visual.lm_', 'visual.ln_lm')
TOOL = osp.join(osp.dirname(__file__), '..', '..', 'tools',
                'model_converters', 'farl_export.py')


def export(*args, tool=TOOL):
    """Run the CLI in this process; its exit message on failure."""
    with mock.patch.object(sys, 'argv', [tool, *map(str, args)]):
        try:
            runpy.run_path(tool, run_name='__main__')
        except SystemExit as exit_:
            return str(exit_.code)
    return None


@pytest.fixture(scope='module')
def small_run(tmp_path_factory):
    """A pretraining checkpoint with 64-dim heads (OpenAI's rule)."""
    path = tmp_path_factory.mktemp('run') / 'epoch_2.pth'
    cfg = farl_checkpoints.farl_cfg(image_arch=farl_checkpoints.SMALL_IMAGE,
                                    text_arch=farl_checkpoints.SMALL_TEXT)
    return path, farl_checkpoints.save_pretraining_checkpoint(path, cfg)


@pytest.mark.parametrize('keep_mim', [True, False], ids=['mim', 'no-mim'])
def test_authors_layout_round_trip_is_exact(keep_mim):
    authors = clip_reference.with_mim(
        clip_reference.small_clip().state_dict(), 128)
    ours, report = convert_farl_state_dict(authors, ('image', 'text', 'mim'))
    assert not report.dropped
    back, report = to_openai_clip(ours, keep_mim=keep_mim)
    mim = {k for k in authors if k.startswith(MIM_PREFIXES)}
    assert len(mim) == 17  # mask token, 12 block tensors, ln_lm, lm_head
    expected = authors if keep_mim else {
        k: v for k, v in authors.items() if k not in mim}
    assert list(back) == list(expected)  # same keys, same order
    for key, value in expected.items():
        assert back[key].shape == value.shape, key
        assert torch.equal(back[key], value), key
    dropped = {k for k in ours if k.startswith(('mim_head.', 'backbone.m'))}
    assert set(report.dropped) == (set() if keep_mim else dropped)


def test_farl_mm_layout_round_trip_is_exact(small_run):
    """The other way round: one rule table read both ways."""
    _, model = small_run
    ours = model.state_dict()
    theirs, report = to_openai_clip(ours, keep_mim=True)
    back, _ = convert_farl_state_dict(theirs, ('image', 'text', 'mim'))
    kept = [k for k in ours if k in report.renamed]
    assert set(ours) - set(kept) == set(report.dropped)
    assert not any(k.startswith(('backbone.', 'text_backbone.', 'mim_head.'))
                   for k in report.dropped)
    assert list(back) == kept  # same keys, same order
    for key in kept:
        assert torch.equal(back[key], ours[key]), key


def test_backbone_export_of_authors_file_is_farl2mm_image_only(tmp_path):
    src = tmp_path / 'FaRL-Base-Patch16.pth'
    torch.save({'state_dict': clip_reference.small_clip().state_dict()}, src)
    assert export(src, tmp_path / 'ours.pth', '--format', 'backbone') is None
    farl2mm = osp.join(osp.dirname(TOOL), 'farl2mm.py')
    assert export(src, tmp_path / 'theirs.pth', '--image-only',
                  tool=farl2mm) is None
    ours, theirs = (torch.load(tmp_path / name, weights_only=True)
                    for name in ('ours.pth', 'theirs.pth'))
    assert ours['meta'] == theirs['meta']
    assert list(ours['state_dict']) == list(theirs['state_dict'])
    for key, value in theirs['state_dict'].items():
        assert torch.equal(ours['state_dict'][key], value), key


def test_backbone_export_loads_downstream(tmp_path, small_run):
    path, model = small_run
    dst = tmp_path / 'backbone.pth'
    assert export(path, dst, '--format', 'backbone') is None
    saved = torch.load(dst, weights_only=True)
    assert set(saved) == {'state_dict', 'meta'}  # as farl2mm writes it
    assert saved['meta'] == {'converted_from': 'epoch_2.pth',
                             'farl_mm_task': 'pretrain'}
    expected = {k: v for k, v in model.state_dict().items()
                if k.startswith('backbone.') and k != 'backbone.mask_token'}
    assert list(saved['state_dict']) == list(expected)

    backbone = MODELS.build(dict(
        type='farl_mm.FaRLViT', arch=farl_checkpoints.SMALL_IMAGE,
        img_size=64, out_type='embedding', out_indices=(-1, ),
        init_cfg=dict(type='Pretrained', checkpoint=str(dst),
                      prefix='backbone.')))
    backbone.init_weights()  # mmengine's strict-enough load: compare all
    for key, value in backbone.state_dict().items():
        assert torch.equal(value, expected['backbone.' + key]), key
    pixels = torch.randn(2, 3, 64, 64)
    with torch.no_grad():
        torch.testing.assert_close(backbone.eval()(pixels)[-1],
                                   model.extract_feat(pixels), atol=0,
                                   rtol=0)


@torch.no_grad()
def test_openai_clip_export_loads_into_open_clip(tmp_path, small_run,
                                                 monkeypatch):
    path, model = small_run
    dst = tmp_path / 'FaRL-ours.pth'
    assert export(path, dst, '--format', 'openai-clip', '--bare') is None
    state_dict = torch.load(dst, weights_only=True)
    assert 'visual.proj' in state_dict and 'text_projection' in state_dict
    assert not any(k.startswith(MIM_PREFIXES) for k in state_dict)
    # open_clip casts OpenAI weights to fp16; keep fp32 to compare exactly.
    monkeypatch.setattr(open_clip.model, 'convert_weights_to_fp16',
                        lambda m: m)
    clip = open_clip.model.build_model_from_openai_state_dict(
        state_dict, cast_dtype=None)  # strict load inside

    pixels = torch.randn(2, 3, 64, 64,
                         generator=torch.Generator().manual_seed(3))
    tokens = clip_reference.random_tokens(3, seed=3)
    torch.testing.assert_close(clip.encode_image(pixels),
                               model.extract_feat(pixels), atol=1e-5, rtol=0)
    torch.testing.assert_close(clip.encode_text(tokens),
                               model.extract_text_feat(tokens),
                               atol=1e-5, rtol=0)
    assert clip.logit_scale.item() == model.logit_scale.item()

    # ...and the wrapped file reads back through FaRLEncoder as 'authors'.
    wrapped = tmp_path / 'FaRL-ours-wrapped.pth'
    assert export(path, wrapped, '--format', 'openai-clip',
                  '--keep-mim') is None
    assert 'visual.lm_head.weight' in torch.load(
        wrapped, weights_only=True)['state_dict']
    encoder = FaRLEncoder.from_checkpoint(wrapped)
    assert encoder.source == 'authors'
    torch.testing.assert_close(encoder.encode_text(tokens),
                               model.extract_text_feat(tokens), atol=0,
                               rtol=0)


def test_cli_errors_name_the_file(tmp_path, small_run):
    path, model = small_run
    image_only = tmp_path / 'image_only.pth'
    assert export(path, image_only, '--format', 'backbone') is None
    message = export(image_only, tmp_path / 'x.pth', '--format',
                     'openai-clip')
    assert message.startswith(str(image_only))
    assert 'no text tower' in message and '--format backbone' in message

    torch.save({'state_dict': {'fc.weight': torch.zeros(1)}},
               tmp_path / 'other.pth')
    message = export(tmp_path / 'other.pth', tmp_path / 'x.pth', '--format',
                     'backbone')
    assert message.startswith(str(tmp_path / 'other.pth'))
    assert 'neither a farl_mm FaRL checkpoint' in message
    assert not (tmp_path / 'x.pth').exists()
