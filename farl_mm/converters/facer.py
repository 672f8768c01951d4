"""The authors' released face models (their ``facer`` package) as farl_mm
checkpoints.

Three file layouts, all read as data (:mod:`.torchscript_data`,
``weights_only``):

- parsing (``lapa/448``, ``celebm/448``): a TorchScript archive of the
  whole network: ``backbone.visual.*`` (the FaRL ViT), ``backbone.fpns.*``
  (the deconvolution pyramid), ``head.head.*`` (mmseg's UPerHead);
- alignment (``ibug300w/448``, ``wflw/448``, ``aflw19/448``): a TorchScript
  archive of the heatmap head (``head.*``, read here as
  ``heatmap_head.head.*``), the backbone's ``torch.save`` state dict in its
  extra file ``backbone``;
- attributes (``celeba/224``): a ``torch.save`` state dict: ``backbone.*``
  (the ViT without ``ln_post`` / ``proj``), ``head.*``.

==================================  =====================================
authors' key                         farl_mm key
==================================  =====================================
``backbone.visual.*`` (attributes:   ``backbone.*`` (:mod:`.farl`'s image
``backbone.*``)                      rules)
``backbone.fpns.0.{0,1,3}.``         ``neck.upsample_4x.{0,1,3}.``
``backbone.fpns.1.``                 ``neck.upsample_2x.0.``
``head.head.``                       ``decode_head.`` (parsing)
``heatmap_head.head.``               ``head.fusion.`` (alignment)
``head.final_fc.``                   ``head.fc.`` (attributes)
``head.norm_{3l+k}.``                ``head.pool.norms.{3l+k'}.``
``head.weights`` (1, 3L, 1)          ``head.pool.fusion_logits`` (3L,)
==================================  =====================================

The attribute head orders each layer's vectors (mean, max, class token);
farl_mm's (class token, mean, max): ``k' = (k + 1) % 3``. The pyramid's
``fpns.2`` / ``fpns.3`` (identity, max-pool) and the input normalisation
buffers ``backbone.image_mean`` / ``image_std`` hold no weights (the latter
are checked against CLIP's, which the configs use). The attribute model has
no ``ln_post`` / ``proj``, which its head never reaches: they are filled
with an identity LayerNorm and zeros so the checkpoint loads strictly.
"""
import pickle
from collections import OrderedDict
from dataclasses import dataclass
from typing import Dict

import torch

from .farl import convert_farl_state_dict, find_rule
from .torchscript_data import (NotATorchScriptArchive, describe_zip,
                               flatten_tensors, is_torchscript,
                               read_torchscript)

URL = 'https://github.com/FacePerceiver/facer/releases/download/models-v1/'
CLIP_MEAN = (0.48145466, 0.4578275, 0.40821073)
CLIP_STD = (0.26862954, 0.26130258, 0.27577711)


@dataclass(frozen=True)
class Release:
    """One released model: its task, file, config and dataset."""
    task: str
    file: str
    config: str
    dataset: str


RELEASES = {
    'lapa/448': Release(
        'parsing', 'face_parsing.farl.lapa.main_ema_136500_jit191.pt',
        'configs/farl/released/facer_lapa_448.py', 'LaPaDataset'),
    'celebm/448': Release(
        'parsing', 'face_parsing.farl.celebm.main_ema_181500_jit.pt',
        'configs/farl/released/facer_celebm_448.py', 'CelebAMaskHQDataset'),
    'ibug300w/448': Release(
        'alignment', 'face_alignment.farl.ibug300w.main_ema_jit.pt',
        'configs/farl/released/facer_ibug300w_448.py', 'FaRLFace300WDataset'),
    'wflw/448': Release(
        'alignment', 'face_alignment.farl.wflw.main_ema_jit.pt',
        'configs/farl/released/facer_wflw_448.py', 'FaRLWFLWDataset'),
    'aflw19/448': Release(
        'alignment', 'face_alignment.farl.aflw19.main_ema_jit.pt',
        'configs/farl/released/facer_aflw19_448.py', 'FaRLAFLW19Dataset'),
    'celeba/224': Release(
        'attributes', 'face_attribute.farl.celeba.pt',
        'configs/farl/released/facer_celeba_224.py', 'CelebADataset'),
}

# layout -> keys that identify it (authors' names, as read here)
SIGNATURES = {
    'parsing': ('backbone.visual.conv1.weight', 'head.head.conv_seg.weight'),
    'alignment': ('backbone.visual.conv1.weight',
                  'heatmap_head.head.conv_seg.weight'),
    'attributes': ('backbone.conv1.weight', 'head.final_fc.weight'),
}

_PYRAMID = [
    ('backbone.fpns.0.0.', 'neck.upsample_4x.0.'),
    ('backbone.fpns.0.1.', 'neck.upsample_4x.1.'),
    ('backbone.fpns.0.3.', 'neck.upsample_4x.3.'),
    ('backbone.fpns.1.', 'neck.upsample_2x.0.'),
]
# (authors' prefix, farl_mm prefix) after the backbone, per layout
_RULES = {
    'parsing': [*_PYRAMID, ('head.head.', 'decode_head.')],
    'alignment': [*_PYRAMID, ('heatmap_head.head.', 'head.fusion.')],
    'attributes': [('head.final_fc.', 'head.fc.')],
}
_VISUAL = {'parsing': 'backbone.visual.', 'alignment': 'backbone.visual.',
           'attributes': 'backbone.'}
_NORMALISATION = ('backbone.image_mean', 'backbone.image_std')


class NotAFacerRelease(ValueError):
    """The file is none of the released layouts (module docstring)."""


def read_release(path):
    """The tensors of a released file, authors' names, and its layout.

    Returns:
        tuple[dict, str]: ``{name: tensor}`` and ``'parsing'``,
        ``'alignment'`` or ``'attributes'``.

    Raises:
        NotAFacerRelease: Naming what the file holds instead.
    """
    import zipfile
    with open(path, 'rb') as f:
        zipped = zipfile.is_zipfile(f)
    if zipped:
        with zipfile.ZipFile(path) as archive:
            names = archive.namelist()
    if zipped and is_torchscript(names):
        try:
            tree, extra = read_torchscript(path)
        except NotATorchScriptArchive as err:
            raise NotAFacerRelease(str(err)) from None
        tensors = flatten_tensors(tree)
        if 'backbone' in extra:  # alignment: head archive + backbone
            tensors = {f'heatmap_head.{k}': v for k, v in tensors.items()}
            from farl_mm.utils.checkpoint_io import load_checkpoint_bytes
            backbone = load_checkpoint_bytes(
                extra['backbone'], f'{path} (extra file "backbone")')
            if not isinstance(backbone, dict):
                raise NotAFacerRelease(
                    f'{path}: its extra file "backbone" is a '
                    f'{type(backbone).__name__}, not a state dict')
            tensors.update((f'backbone.{k}', v) for k, v in backbone.items())
        what = f'a TorchScript archive with extra files {sorted(extra)}'
    else:
        from farl_mm.utils.checkpoint_io import load_checkpoint_file
        try:
            tensors = load_checkpoint_file(path)
        except (RuntimeError, pickle.UnpicklingError, EOFError) as err:
            raise NotAFacerRelease(
                f'{path}: neither a TorchScript archive nor a torch.save '
                f'file read as data ({err})') from None
        if not isinstance(tensors, dict):
            raise NotAFacerRelease(
                f'{path}: a torch.save file holding a '
                f'{type(tensors).__name__}, not a state dict nor a '
                'TorchScript archive')
        if 'state_dict' in tensors and isinstance(tensors['state_dict'],
                                                   dict):
            tensors = tensors['state_dict']
        what = 'a torch.save state dict'
    for layout, keys in SIGNATURES.items():
        if all(k in tensors for k in keys):
            return tensors, layout
    found = describe_zip(list(tensors))
    raise NotAFacerRelease(
        f'{path}: {what}, but none of the released layouts (parsing needs '
        f'{", ".join(SIGNATURES["parsing"])}; alignment '
        f'{", ".join(SIGNATURES["alignment"])}; attributes '
        f'{", ".join(SIGNATURES["attributes"])}); it holds {found}')


def convert_facer_state_dict(tensors, layout, proj_dims=512):
    """The authors' tensors (:func:`read_release`) -> a farl_mm state dict;
    the input is not modified.

    Args:
        tensors (dict): Authors' names -> tensors.
        layout (str): ``'parsing'``, ``'alignment'`` or ``'attributes'``.
        proj_dims (int): Width of the ``proj`` filled in when the file has
            none (attributes).

    Returns:
        tuple[OrderedDict, ConversionReport]
    """
    visual = _VISUAL[layout]
    mean, std = (tensors.get(k) for k in _NORMALISATION)
    for name, value, clip in (('image_mean', mean, CLIP_MEAN),
                              ('image_std', std, CLIP_STD)):
        if value is not None and not torch.allclose(
                value.flatten().double(), torch.tensor(clip).double()):
            raise NotAFacerRelease(
                f'backbone.{name} is {value.flatten().tolist()}, not '
                f"CLIP's {list(clip)}, which the released configs use")
    image = {'visual.' + k[len(visual):]: v for k, v in tensors.items()
             if k.startswith(visual) and k not in _NORMALISATION
             and not k.startswith('backbone.fpns.')}
    converted, report = convert_farl_state_dict(image, parts=('image', ))
    report.renamed = {visual + k[len('visual.'):]: v
                      for k, v in report.renamed.items()}
    rules = [(old, new, layout) for old, new in _RULES[layout]]
    for key, value in tensors.items():
        if key.startswith(visual) and not key.startswith('backbone.fpns.') \
                or key in _NORMALISATION:
            continue
        new_key, value = _head_key(key, value, rules, layout)
        if new_key is None:
            report.dropped.append(key)
            continue
        converted[new_key] = value
        report.renamed[key] = new_key
    _fill_unreached(converted, report, proj_dims)
    return converted, report


def _head_key(key, value, rules, layout):
    if layout == 'attributes' and key == 'head.weights':
        levels = value.numel() // 3
        order = [3 * level + (k + 2) % 3 for level in range(levels)
                 for k in range(3)]
        return 'head.pool.fusion_logits', value.flatten()[order].clone()
    if layout == 'attributes' and key.startswith('head.norm_'):
        index, rest = key[len('head.norm_'):].split('.', 1)
        level, kind = divmod(int(index), 3)
        return f'head.pool.norms.{3 * level + (kind + 1) % 3}.{rest}', value
    rule = find_rule(key, rules)
    if rule is None:
        return None, value
    return rule[1] + key[len(rule[0]):], value


def _fill_unreached(converted, report, proj_dims):
    width = converted['backbone.cls_token'].shape[-1]
    like = converted['backbone.cls_token']
    filled = {
        'backbone.ln1.weight': torch.ones(width, dtype=like.dtype),
        'backbone.ln1.bias': torch.zeros(width, dtype=like.dtype),
        'backbone.proj': torch.zeros(width, proj_dims, dtype=like.dtype),
    }
    for key, value in filled.items():
        if key not in converted:
            converted[key] = value
            report.dropped.append(f'(filled {key}: unused by this head)')


def release_dataset_meta(release):
    """Class or landmark names of a release, from farl_mm's dataset of
    the same label ids."""
    import farl_mm.datasets  # noqa: F401  (registers the datasets)
    from farl_mm.registry import DATASETS
    metainfo = DATASETS.get(release.dataset).METAINFO
    if release.task == 'alignment':
        from mmpose.datasets.datasets.utils import parse_pose_metainfo
        return parse_pose_metainfo(dict(metainfo))
    return {k: list(v) for k, v in metainfo.items()}


def release_checkpoint(path, model, cfg):
    """The farl_mm checkpoint of a released file: weights, the config it
    runs with, its names and task.

    Args:
        path (str): The released file.
        model (str): A key of :data:`RELEASES`.
        cfg (mmengine.Config): The config it runs with (the release's own
            config, or one with a different ``arch`` for tests).

    Returns:
        tuple[dict, ConversionReport]: ``{'state_dict', 'meta'}`` and the
        report.
    """
    if model not in RELEASES:
        raise ValueError(f'unknown model {model!r}; one of {sorted(RELEASES)}')
    release = RELEASES[model]
    tensors, layout = read_release(path)
    if layout != release.task:
        raise NotAFacerRelease(
            f'{path}: a released {layout} model, but --model {model} is '
            f'{release.task}; pick the {layout} model it is')
    proj = cfg.model.backbone.get('arch')
    proj_dims = 512 if not isinstance(proj, dict) else proj['output_dims']
    state_dict, report = convert_facer_state_dict(tensors, layout, proj_dims)
    import os.path as osp
    meta = dict(cfg=cfg.pretty_text, dataset_meta=release_dataset_meta(
        release), farl_mm_task=release.task, facer_model=model,
                converted_from=osp.basename(str(path)))
    return dict(state_dict=OrderedDict(state_dict), meta=meta), report


class FaceParsingTransformer(torch.nn.Module):
    """The network a parsing release archives, in the shape of the authors'
    ``FaceParsingTransformer`` (FaRL repository; pyfacer ships only the
    archive): ``backbone.*``, ``head.*``, and ``(logits at 512, {})``.

    Scripted around the authors' own backbone and head, it writes files in
    the released layout for tests and benchmarks.
    """

    def __init__(self, backbone, head):
        super().__init__()
        self.backbone = backbone
        self.head = head

    def forward(self, image):
        features, _ = self.backbone(image)
        logits = torch.nn.functional.interpolate(
            self.head(features), size=(512, 512), mode='bilinear',
            align_corners=False)
        aux: Dict[str, torch.Tensor] = {}
        return logits, aux
