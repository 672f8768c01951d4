"""Export farl_mm pretraining checkpoints for downstream use and CLIP tools.

Two targets:

- a downstream backbone checkpoint, the file ``farl2mm.py --image-only``
  writes: ``{'state_dict': backbone.*, 'meta': ...}``, loaded with
  ``init_cfg=dict(type='Pretrained', checkpoint=..., prefix='backbone.')``;
- the authors' OpenAI-CLIP layout (``visual.*``, the text tower at the top
  level, ``logit_scale``): the inverse of :func:`convert_farl_state_dict`,
  so OpenAI's ``build_model``, open_clip and the authors' code load it.
"""
import re
from collections import OrderedDict

from farl_mm.compat.checkpoint import load_checkpoint_file
from .farl import _RULES as _IMPORT_RULES
from .farl import (SIGNATURE, ConversionReport, NotAFaRLCheckpoint,
                   convert_farl_state_dict, find_rule, unwrap_state_dict)

FARL_MM_SIGNATURE = ('backbone.patch_embed.projection.weight',
                     'backbone.cls_token', 'backbone.pos_embed')

# (farl_mm prefix or key, authors' prefix or key, part): farl.py's rules
# turned round; block suffixes are renamed by _BLOCK_RULES below.
_RULES = [(ours, theirs, part) for theirs, ours, part in _IMPORT_RULES]

_BLOCK_RULES = [
    (r'^(\d+)\.', r'resblocks.\1.'),
    (r'\.ln1\.', '.ln_1.'),
    (r'\.ln2\.', '.ln_2.'),
    (r'\.attn\.qkv\.(weight|bias)$', r'.attn.in_proj_\1'),
    (r'\.attn\.proj\.', '.attn.out_proj.'),
    (r'\.ffn\.layers\.0\.0\.', '.mlp.c_fc.'),
    (r'\.ffn\.layers\.1\.', '.mlp.c_proj.'),
]

# farl_mm keeps these 3-D; OpenAI's are (C,) and (L, C), and the authors'
# mask token is (C,) (their VisualTransformer, farl/network/farl/model.py).
_FLATTEN = {'backbone.cls_token': 1, 'backbone.pos_embed': 2,
            'text_backbone.pos_embed': 2, 'backbone.mask_token': 1}


def load_farl_mm_state_dict(path):
    """Read any FaRL checkpoint as a farl_mm-layout state dict.

    Accepts the authors' files (OpenAI-CLIP layout; converted with all
    parts), ``farl2mm.py`` outputs and mmengine checkpoints of farl_mm
    pretraining. Loads with ``weights_only``.

    Returns:
        tuple[dict, str, dict]: the state dict, ``'authors'`` or
        ``'farl_mm'``, and the file's ``meta`` (empty if none).
    """
    checkpoint = load_checkpoint_file(path)
    try:
        state_dict = unwrap_state_dict(checkpoint)
    except NotAFaRLCheckpoint as err:
        raise NotAFaRLCheckpoint(f'{path}: {err}') from None
    meta = checkpoint.get('meta') or {}
    if all(k in state_dict for k in SIGNATURE):
        converted, _ = convert_farl_state_dict(
            state_dict, parts=('image', 'text', 'mim'))
        return converted, 'authors', meta
    if all(k in state_dict for k in FARL_MM_SIGNATURE):
        return state_dict, 'farl_mm', meta
    some = ', '.join(sorted(state_dict)[:5]) or 'nothing'
    raise NotAFaRLCheckpoint(
        f'{path}: neither a farl_mm FaRL checkpoint (needs '
        f'{", ".join(FARL_MM_SIGNATURE)}) nor the authors\' OpenAI-CLIP '
        f'layout (needs {", ".join(SIGNATURE)}); its state dict starts '
        f'with {some}')


def to_backbone(state_dict):
    """The image tower, as ``farl2mm.py --image-only`` writes it."""
    if not any(k.startswith('backbone.') for k in state_dict):
        raise NotAFaRLCheckpoint('no image tower (backbone.*) to export')
    return OrderedDict(
        (k, v) for k, v in state_dict.items()
        if k.startswith('backbone.') and k != 'backbone.mask_token')


def to_openai_clip(state_dict, keep_mim=False):
    """farl_mm names -> the authors' OpenAI-CLIP names and shapes.

    Args:
        state_dict (dict): farl_mm layout (``backbone.*``,
            ``text_backbone.*``, ``logit_scale``, maybe ``mim_head.*``).
        keep_mim (bool): Keep the mask token and MIM head under the
            authors' ``visual.`` names. Off by default: CLIP loaders count
            ``visual.*.attn.in_proj_weight`` keys as image blocks, so the
            MIM blocks would break them.

    Returns:
        tuple[OrderedDict, ConversionReport]: the authors'-layout state
        dict and what was renamed and dropped (data preprocessor, target
        tokenizer and other training-only state).
    """
    if not any(k.startswith('text_backbone.') for k in state_dict):
        raise NotAFaRLCheckpoint(
            'no text tower (text_backbone.*): CLIP layouts need one; export '
            'the image tower with --format backbone instead')
    parts = ('image', 'text', 'mim') if keep_mim else ('image', 'text')
    exported, report = OrderedDict(), ConversionReport()
    for key, value in state_dict.items():
        rule = find_rule(key, _RULES)
        if rule is None or rule[2] not in parts:
            report.dropped.append(key)
            continue
        ours, theirs, _ = rule
        suffix = key[len(ours):]
        if ours.endswith('layers.'):
            for pattern, repl in _BLOCK_RULES:
                suffix = re.sub(pattern, repl, suffix)
        if key in _FLATTEN:
            value = value.reshape(value.shape[-_FLATTEN[key]:])
        exported[theirs + suffix] = value
        report.renamed[key] = theirs + suffix
    return exported, report
