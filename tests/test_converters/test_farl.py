"""The checkpoint converter: names, shapes, parts, input untouched, bad files
rejected, and a state dict that loads strictly into FaRLViT."""
import copy
import subprocess
import sys

import pytest
import torch

import farl_mm  # noqa: F401
from farl_mm.converters import (NotAFaRLCheckpoint, convert_farl_state_dict,
                                unwrap_state_dict)
from farl_mm.models import FaRLViT

WIDTH, TEXT_WIDTH, LAYERS = 64, 32, 2


def authors_state_dict(mim=True):
    """A miniature of the released file's state dict (farl_reference.md §1)."""
    sd = {
        'visual.conv1.weight': torch.randn(WIDTH, 3, 16, 16),
        'visual.class_embedding': torch.randn(WIDTH),
        'visual.positional_embedding': torch.randn(17, WIDTH),
        'visual.ln_pre.weight': torch.randn(WIDTH),
        'visual.ln_pre.bias': torch.randn(WIDTH),
        'visual.ln_post.weight': torch.randn(WIDTH),
        'visual.ln_post.bias': torch.randn(WIDTH),
        'visual.proj': torch.randn(WIDTH, TEXT_WIDTH),
        'token_embedding.weight': torch.randn(100, TEXT_WIDTH),
        'positional_embedding': torch.randn(77, TEXT_WIDTH),
        'ln_final.weight': torch.randn(TEXT_WIDTH),
        'ln_final.bias': torch.randn(TEXT_WIDTH),
        'text_projection': torch.randn(TEXT_WIDTH, TEXT_WIDTH),
        'logit_scale': torch.tensor(4.6052),
    }

    def block(prefix, width):
        return {
            f'{prefix}.ln_1.weight': torch.randn(width),
            f'{prefix}.ln_1.bias': torch.randn(width),
            f'{prefix}.attn.in_proj_weight': torch.randn(3 * width, width),
            f'{prefix}.attn.in_proj_bias': torch.randn(3 * width),
            f'{prefix}.attn.out_proj.weight': torch.randn(width, width),
            f'{prefix}.attn.out_proj.bias': torch.randn(width),
            f'{prefix}.ln_2.weight': torch.randn(width),
            f'{prefix}.ln_2.bias': torch.randn(width),
            f'{prefix}.mlp.c_fc.weight': torch.randn(4 * width, width),
            f'{prefix}.mlp.c_fc.bias': torch.randn(4 * width),
            f'{prefix}.mlp.c_proj.weight': torch.randn(width, 4 * width),
            f'{prefix}.mlp.c_proj.bias': torch.randn(width),
        }

    for i in range(LAYERS):
        sd.update(block(f'visual.transformer.resblocks.{i}', WIDTH))
        sd.update(block(f'transformer.resblocks.{i}', TEXT_WIDTH))
    if mim:
        sd['visual.mask_token'] = torch.randn(WIDTH)  # (C,), as theirs
        sd.update(block('visual.lm_transformer.resblocks.0', WIDTH))
        sd['visual.ln_lm.weight'] = torch.randn(WIDTH)
        sd['visual.lm_head.weight'] = torch.randn(8192, WIDTH)
    return sd


def small_vit():
    return FaRLViT(
        arch=dict(embed_dims=WIDTH, num_layers=LAYERS, num_heads=4,
                  feedforward_channels=4 * WIDTH, output_dims=TEXT_WIDTH),
        img_size=64, out_indices=(1, ))


def test_image_tower_loads_strictly_with_the_same_tensors():
    sd = authors_state_dict()
    converted, report = convert_farl_state_dict(sd, parts=('image', ))
    backbone = {k[len('backbone.'):]: v for k, v in converted.items()}
    assert all(k.startswith('backbone.') for k in converted)
    small_vit().load_state_dict(backbone, strict=True)
    assert torch.equal(backbone['cls_token'][0, 0],
                       sd['visual.class_embedding'])
    assert backbone['pos_embed'].shape == (1, 17, WIDTH)
    assert torch.equal(backbone['layers.1.attn.qkv.weight'],
                       sd['visual.transformer.resblocks.1.attn.in_proj_weight'])
    assert torch.equal(backbone['layers.0.ffn.layers.1.bias'],
                       sd['visual.transformer.resblocks.0.mlp.c_proj.bias'])
    assert torch.equal(backbone['ln1.weight'], sd['visual.ln_post.weight'])
    assert len(report.renamed) == len(converted)
    assert 'token_embedding.weight' in report.dropped
    assert 'visual.mask_token' in report.dropped


def test_text_and_mim_parts_get_their_names():
    sd = authors_state_dict()
    converted, report = convert_farl_state_dict(
        sd, parts=('image', 'text', 'mim'))
    assert report.dropped == []
    assert len(converted) == len(sd)
    assert converted['text_backbone.pos_embed'].shape == (1, 77, TEXT_WIDTH)
    assert 'text_backbone.layers.1.attn.qkv.bias' in converted
    assert 'text_backbone.layers.0.ffn.layers.0.0.weight' in converted
    assert torch.equal(converted['text_backbone.proj'], sd['text_projection'])
    assert converted['logit_scale'] is sd['logit_scale']
    assert 'mim_head.layers.0.attn.proj.weight' in converted
    assert converted['backbone.mask_token'].shape == (1, 1, WIDTH)
    assert 'mim_head.classifier.weight' in converted


def test_input_is_not_modified():
    sd = authors_state_dict()
    before = copy.copy(sd)
    convert_farl_state_dict(sd, parts=('image', 'text', 'mim'))
    assert list(sd) == list(before)
    assert all(sd[k] is before[k] for k in sd)
    assert sd['visual.class_embedding'].shape == (WIDTH, )


def test_unwrap_reads_the_released_container():
    sd = authors_state_dict(mim=False)
    assert unwrap_state_dict({'state_dict': sd, 'epoch': 64}) is sd
    ddp = unwrap_state_dict({f'module.{k}': v for k, v in sd.items()})
    assert set(ddp) == set(sd)


@pytest.mark.parametrize('bad', [
    {'state_dict': {'backbone.layers.0.ln1.weight': torch.ones(2)}},
    {'conv1.weight': torch.ones(2)},
])
def test_rejects_other_checkpoints(bad):
    with pytest.raises(NotAFaRLCheckpoint, match='visual.conv1.weight'):
        convert_farl_state_dict(unwrap_state_dict(bad))


def test_cli_reports_and_rejects(tmp_path, repo_root):
    src, dst = tmp_path / 'farl.pth', tmp_path / 'out' / 'farl_mm.pth'
    torch.save({'state_dict': authors_state_dict(), 'optimizer': {}}, src)
    run = subprocess.run(
        [sys.executable, 'tools/model_converters/farl2mm.py', str(src),
         str(dst), '--keep-mim'], cwd=repo_root, capture_output=True,
        text=True)
    assert run.returncode == 0, run.stderr
    assert 'dropped 0' in run.stdout and 'under backbone.' in run.stdout
    saved = torch.load(dst, weights_only=True)
    assert 'mim_head.ln.weight' in saved['state_dict']

    torch.save({'state_dict': {'fc.weight': torch.ones(1)}}, src)
    run = subprocess.run(
        [sys.executable, 'tools/model_converters/farl2mm.py', str(src),
         str(tmp_path / 'x.pth')], cwd=repo_root, capture_output=True,
        text=True)
    assert run.returncode != 0
    assert 'not a FaRL / OpenAI-CLIP ViT checkpoint' in run.stderr
    assert not (tmp_path / 'x.pth').exists()
