"""Map the authors' FaRL checkpoints (OpenAI-CLIP layout) onto farl_mm names.

The released files (``FaRL-Base-Patch16-LAIONFace20M-ep{16,64}.pth``) hold a
``state_dict`` with the image tower under ``visual.``, the text tower at the
top level and possibly the MIM parts (``visual.mask_token``,
``visual.lm_transformer``, ``visual.ln_lm``, ``visual.lm_head``). The farl_mm
names they map to:

==============================  =============================================
authors' key                     farl_mm key
==============================  =============================================
``visual.conv1``                 ``backbone.patch_embed.projection``
``visual.class_embedding``       ``backbone.cls_token`` (1, 1, C)
``visual.positional_embedding``  ``backbone.pos_embed`` (1, L, C)
``visual.ln_pre`` / ``ln_post``  ``backbone.pre_norm`` / ``backbone.ln1``
``visual.proj``                  ``backbone.proj``
``visual.transformer.*``         ``backbone.layers.*`` (block table below)
``token_embedding``              ``text_backbone.token_embedding``
``positional_embedding``         ``text_backbone.pos_embed`` (1, 77, C)
``transformer.*``                ``text_backbone.layers.*``
``ln_final`` / ``text_projection``  ``text_backbone.ln_final`` / ``.proj``
``logit_scale``                  ``logit_scale``
``visual.mask_token``            ``backbone.mask_token`` (C,) -> (1, 1, C)
``visual.lm_transformer.*``      ``mim_head.layers.*`` (block table below)
``visual.ln_lm`` / ``lm_head``   ``mim_head.ln`` / ``mim_head.classifier``
==============================  =============================================

The last three rows are the MIM parts. As in the authors' ``forward_mim``,
the ``lm_transformer`` blocks (farl_mm's ``MIMHead``) see the class token
with the masked pass's patch tokens; the class token is dropped after them.

Inside a block: ``resblocks.i`` -> ``i``, ``ln_1``/``ln_2`` -> ``ln1``/``ln2``,
``attn.in_proj_{weight,bias}`` -> ``attn.qkv.*``, ``attn.out_proj`` ->
``attn.proj``, ``mlp.c_fc`` -> ``ffn.layers.0.0``, ``mlp.c_proj`` ->
``ffn.layers.1`` (mmpretrain's ViT names).
"""
import re
from collections import OrderedDict
from dataclasses import dataclass, field

SIGNATURE = ('visual.conv1.weight', 'visual.class_embedding',
             'visual.positional_embedding',
             'visual.transformer.resblocks.0.attn.in_proj_weight')

_BLOCK_RULES = [
    (r'resblocks\.(\d+)\.', r'\1.'),
    (r'\.ln_1\.', '.ln1.'),
    (r'\.ln_2\.', '.ln2.'),
    (r'\.attn\.in_proj_(weight|bias)$', r'.attn.qkv.\1'),
    (r'\.attn\.out_proj\.', '.attn.proj.'),
    (r'\.mlp\.c_fc\.', '.ffn.layers.0.0.'),
    (r'\.mlp\.c_proj\.', '.ffn.layers.1.'),
]

# (authors' prefix or key, farl_mm prefix or key, part)
_RULES = [
    ('visual.conv1.', 'backbone.patch_embed.projection.', 'image'),
    ('visual.class_embedding', 'backbone.cls_token', 'image'),
    ('visual.positional_embedding', 'backbone.pos_embed', 'image'),
    ('visual.ln_pre.', 'backbone.pre_norm.', 'image'),
    ('visual.ln_post.', 'backbone.ln1.', 'image'),
    ('visual.proj', 'backbone.proj', 'image'),
    ('visual.transformer.', 'backbone.layers.', 'image'),
    ('visual.mask_token', 'backbone.mask_token', 'mim'),
    ('visual.lm_transformer.', 'mim_head.layers.', 'mim'),
    ('visual.ln_lm.', 'mim_head.ln.', 'mim'),
    ('visual.lm_head.', 'mim_head.classifier.', 'mim'),
    ('token_embedding.', 'text_backbone.token_embedding.', 'text'),
    ('positional_embedding', 'text_backbone.pos_embed', 'text'),
    ('transformer.', 'text_backbone.layers.', 'text'),
    ('ln_final.', 'text_backbone.ln_final.', 'text'),
    ('text_projection', 'text_backbone.proj', 'text'),
    ('logit_scale', 'logit_scale', 'text'),
]

# Token parameters are 3-D in farl_mm: (L, C) -> (1, L, C), (C,) -> (1, 1, C).
_TOKEN_KEYS = {'backbone.cls_token', 'backbone.pos_embed',
               'text_backbone.pos_embed', 'backbone.mask_token'}


class NotAFaRLCheckpoint(ValueError):
    """The file is not a FaRL / OpenAI-CLIP ViT checkpoint."""


@dataclass
class ConversionReport:
    renamed: dict = field(default_factory=dict)
    dropped: list = field(default_factory=list)

    def summary(self):
        parts = {}
        for new in self.renamed.values():
            head = new.split('.')[0]
            parts[head] = parts.get(head, 0) + 1
        kept = ', '.join(f'{n} under {h}.' for h, n in sorted(parts.items()))
        dropped = ', '.join(self.dropped) if self.dropped else 'nothing'
        return (f'kept and renamed {len(self.renamed)} tensors ({kept}); '
                f'dropped {len(self.dropped)}: {dropped}')


def unwrap_state_dict(checkpoint):
    """The authors' file keeps the weights under ``state_dict``."""
    if not isinstance(checkpoint, dict):
        raise NotAFaRLCheckpoint(
            f'expected a dict, got {type(checkpoint).__name__}')
    state_dict = checkpoint.get('state_dict', checkpoint)
    if not isinstance(state_dict, dict):
        raise NotAFaRLCheckpoint('`state_dict` is not a dict')
    if all(k.startswith('module.') for k in state_dict):
        state_dict = {k[len('module.'):]: v for k, v in state_dict.items()}
    return state_dict


def find_rule(key, rules):
    """The first ``(source, target, part)`` rule naming ``key`` exactly or,
    for a source ending in ``.``, as a prefix; None if there is none."""
    return next((r for r in rules if key == r[0] or (
        r[0].endswith('.') and key.startswith(r[0]))), None)


def _rename_block_key(suffix):
    for pattern, repl in _BLOCK_RULES:
        suffix = re.sub(pattern, repl, suffix)
    return suffix


def convert_farl_state_dict(state_dict, parts=('image', 'text')):
    """Convert an OpenAI-CLIP-layout state dict; the input is not modified.

    Args:
        state_dict (dict): The authors' state dict (see module docstring).
        parts (Sequence[str]): Which of ``'image'``, ``'text'`` and ``'mim'``
            to keep. Downstream tasks need only ``'image'``; continued
            pretraining wants all three.

    Returns:
        tuple[OrderedDict, ConversionReport]: the farl_mm state dict and
        what was renamed and dropped.
    """
    missing = [k for k in SIGNATURE if k not in state_dict]
    if missing:
        raise NotAFaRLCheckpoint(
            'not a FaRL / OpenAI-CLIP ViT checkpoint: missing '
            + ', '.join(missing))
    converted, report = OrderedDict(), ConversionReport()
    for key, value in state_dict.items():
        rule = find_rule(key, _RULES)
        if rule is None or rule[2] not in parts:
            report.dropped.append(key)
            continue
        old, new, _ = rule
        new_key = new + key[len(old):]
        if old.endswith('transformer.'):
            new_key = new + _rename_block_key(key[len(old):])
        if new_key in _TOKEN_KEYS:
            value = value.reshape((1, ) * (3 - value.dim()) + value.shape)
        converted[new_key] = value
        report.renamed[key] = new_key
    return converted, report
