"""Test support: the authors' released face models in miniature, built
with their own code (the ``pyfacer`` package) and saved as they ship.

Their classes build ViT-B; here the FaRL ViT is 64 wide (one 64-dim head,
as CLIP's) with 4 blocks, all four tapped (their default taps 4/6/8/12
patched to 1/2/3/4), and the heads 64 wide. Weights are seeded and
perturbed (BN statistics too), so no parameter keeps its init value.
The files are written as facer's release files are: parsing a
TorchScript archive of the whole network (the shape of their
``FaceParsingTransformer``, from the FaRL repository, which pyfacer does
not ship: backbone, head, logits resized to 512), alignment the traced
heatmap head with the backbone's state dict in the extra file
``backbone`` (their ``face_alignment/farl.py`` ``__main__``), attributes
a ``torch.save`` state dict.
"""
import contextlib
import functools
import io
from unittest import mock

import torch
import torch.nn as nn

from farl_mm.converters.facer import FaceParsingTransformer

WIDTH, LAYERS, HEADS = 64, 4, 1
TAPS = (0, 1, 2, 3)
TINY_ARCH = dict(embed_dims=WIDTH, num_layers=LAYERS, num_heads=HEADS,
                 feedforward_channels=4 * WIDTH, output_dims=32)


def tiny_visual():
    from facer.farl.model import VisualTransformer
    return VisualTransformer(input_resolution=224, patch_size=16, width=WIDTH,
                             layers=LAYERS, heads=HEADS, output_dim=32)


@contextlib.contextmanager
def tiny_facer():
    """Their ViT-B builder and ``.cuda()`` calls, made tiny and CPU-only."""
    import facer.face_alignment.network.transformers as transformers
    import facer.face_attribute.farl as attribute
    features = transformers.FaRLVisualFeatures
    with mock.patch.object(transformers.farl, 'load_farl',
                           lambda *a, **k: tiny_visual()), \
            mock.patch.object(features, 'get_default_output_indices',
                              staticmethod(lambda _: list(TAPS))), \
            mock.patch.object(attribute, 'farl_classification',
                              tiny_classifier), \
            mock.patch.object(nn.Module, 'cuda', lambda self, *a, **k: self):
        yield


def perturb(module, seed):
    """Every float parameter and buffer moved off its init (BN variances
    kept positive), but the input normalisation."""
    gen = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, tensor in module.state_dict().items():
            if not tensor.is_floating_point() or name.endswith(
                    ('image_mean', 'image_std')):  # CLIP's normalisation
                continue
            noise = torch.randn(tensor.shape, generator=gen)
            if name.endswith('running_var'):
                tensor.copy_(0.5 + noise.abs())
            else:
                tensor.add_(0.05 * noise)
    return module.eval()


def tiny_classifier(num_classes=40, layers=None):
    """Their ``farl_classification`` at 64 wide (it hard-codes 768); their
    tap, the last block (``layers=[11]``), is the last of ours."""
    layers = [LAYERS - 1]
    from facer.farl.classification import (FACTransformer,
                                           VITClassificationHeadV0,
                                           add_method, get_clip_encode_func)
    visual = tiny_visual()
    del visual.proj
    del visual.ln_post
    add_method(visual, 'forward', get_clip_encode_func(list(layers)))
    head = VITClassificationHeadV0(num_features=len(layers), channel=WIDTH,
                                   num_labels=num_classes, norm=True)
    return FACTransformer(visual, head)


def _features_and_head(num_classes, seed):
    from facer.face_alignment.network import (FaRLVisualFeatures,
                                              MMSEG_UPerHead)
    torch.manual_seed(seed)  # their initialisation
    with tiny_facer():
        backbone = FaRLVisualFeatures('base', None,
                                      forced_input_resolution=448)
    from mmengine.registry import DefaultScope
    with DefaultScope.overwrite_default_scope('mmseg'):  # their unprefixed
        head = MMSEG_UPerHead(num_classes=num_classes,  # mmseg loss
                              in_channels=[WIDTH] * 4, channels=WIDTH)
    return perturb(backbone, seed), perturb(head, seed + 1)


def save_parsing(path, num_classes, seed=0):
    backbone, head = _features_and_head(num_classes, seed)
    image = torch.rand(1, 3, 448, 448)
    features, _ = backbone(image)
    with torch.no_grad():
        traced = FaceParsingTransformer(
            torch.jit.trace(backbone, image, strict=False),
            torch.jit.trace(head, [features]))
        torch.jit.save(torch.jit.script(traced), str(path))


def save_alignment(path, num_points, seed=0):
    backbone, head = _features_and_head(num_points, seed)
    with torch.no_grad():
        features, _ = backbone(torch.rand(1, 3, 448, 448))
        traced = torch.jit.trace(head, [features])
    weights = io.BytesIO()
    torch.save(backbone.state_dict(), weights)
    torch.jit.save(traced, str(path),
                   _extra_files={'backbone': weights.getvalue()})


def save_attributes(path, seed=0):
    torch.manual_seed(seed)  # their initialisation
    with tiny_facer():
        model = tiny_classifier()
    torch.save(perturb(model, seed).state_dict(), str(path))


#: facer name -> (file name as released, writer)
WRITERS = {
    'lapa/448': ('face_parsing.farl.lapa.main_ema_136500_jit191.pt',
                 functools.partial(save_parsing, num_classes=11)),
    'celebm/448': ('face_parsing.farl.celebm.main_ema_181500_jit.pt',
                   functools.partial(save_parsing, num_classes=19)),
    'ibug300w/448': ('face_alignment.farl.ibug300w.main_ema_jit.pt',
                     functools.partial(save_alignment, num_points=68)),
    'wflw/448': ('face_alignment.farl.wflw.main_ema_jit.pt',
                 functools.partial(save_alignment, num_points=98)),
    'aflw19/448': ('face_alignment.farl.aflw19.main_ema_jit.pt',
                   functools.partial(save_alignment, num_points=19)),
    'celeba/224': ('face_attribute.farl.celeba.pt', save_attributes),
}


def tiny_config(cfg):
    """A released config (mmengine Config) at the miniature's widths."""
    cfg.model.backbone.arch = dict(TINY_ARCH)
    taps = cfg.model.backbone.out_indices
    cfg.model.backbone.out_indices = TAPS[-len(taps):]
    cfg.model.backbone.pop('init_cfg', None)
    if 'neck' in cfg.model and cfg.model.neck:
        cfg.model.neck.embed_dim = WIDTH
    head = cfg.model.get('decode_head') or cfg.model.head
    head.in_channels = [WIDTH] * len(head.in_channels) if isinstance(
        head.in_channels, (list, tuple)) else WIDTH
    if 'channels' in head:
        head.channels = WIDTH
    return cfg


def theirs(model, path):
    """facer's own predictor of ``model`` (its ``pretrain_settings``) on
    the miniature file."""
    import facer
    task = {'lapa': 'parser', 'celebm': 'parser', 'celeba': 'attr'}.get(
        model.split('/')[0], 'aligner')
    build = dict(parser=facer.face_parser, aligner=facer.face_aligner,
                 attr=facer.face_attr)[task]
    with tiny_facer():
        return build(f'farl/{model}', 'cpu', model_path=str(path)).eval()
