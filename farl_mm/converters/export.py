"""Export farl_mm pretraining checkpoints for downstream use and CLIP tools.

Two targets:

- a downstream backbone checkpoint, the file ``farl2mm.py --image-only``
  writes: ``{'state_dict': backbone.*, 'meta': ...}``, loaded with
  ``init_cfg=dict(type='Pretrained', checkpoint=..., prefix='backbone.')``;
- the authors' OpenAI-CLIP layout (``visual.*``, the text tower at the top
  level, ``logit_scale``): the inverse of :func:`convert_farl_state_dict`,
  so OpenAI's ``build_model``, open_clip and the authors' code load it.
"""
from collections import OrderedDict

from farl_mm.utils.checkpoint_io import load_checkpoint_file
from .farl import (SIGNATURE, NotAFaRLCheckpoint, convert_farl_state_dict,
                   rename_state_dict, unwrap_state_dict)

FARL_MM_SIGNATURE = ('backbone.patch_embed.projection.weight',
                     'backbone.cls_token', 'backbone.pos_embed')


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
    return rename_state_dict(state_dict, parts, to_authors=True)
