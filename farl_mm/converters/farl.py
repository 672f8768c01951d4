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
from collections import OrderedDict
from dataclasses import dataclass, field

SIGNATURE = ('visual.conv1.weight', 'visual.class_embedding',
             'visual.positional_embedding',
             'visual.transformer.resblocks.0.attn.in_proj_weight')

# (authors' prefix or key, farl_mm prefix or key, part). Read both ways:
# authors' -> farl_mm here, farl_mm -> authors' by :mod:`.export`.
_RULES = [
    ('visual.conv1.', 'backbone.patch_embed.projection.', 'image'),
    ('visual.class_embedding', 'backbone.cls_token', 'image'),
    ('visual.positional_embedding', 'backbone.pos_embed', 'image'),
    ('visual.ln_pre.', 'backbone.pre_norm.', 'image'),
    ('visual.ln_post.', 'backbone.ln1.', 'image'),
    ('visual.proj', 'backbone.proj', 'image'),
    ('visual.transformer.resblocks.', 'backbone.layers.', 'image'),
    ('visual.mask_token', 'backbone.mask_token', 'mim'),
    ('visual.lm_transformer.resblocks.', 'mim_head.layers.', 'mim'),
    ('visual.ln_lm.', 'mim_head.ln.', 'mim'),
    ('visual.lm_head.', 'mim_head.classifier.', 'mim'),
    ('token_embedding.', 'text_backbone.token_embedding.', 'text'),
    ('positional_embedding', 'text_backbone.pos_embed', 'text'),
    ('transformer.resblocks.', 'text_backbone.layers.', 'text'),
    ('ln_final.', 'text_backbone.ln_final.', 'text'),
    ('text_projection', 'text_backbone.proj', 'text'),
    ('logit_scale', 'logit_scale', 'text'),
]

# (authors' name, farl_mm name) inside block ``i`` of the rules ending in
# ``layers.``; names in neither column keep theirs.
_BLOCK_RULES = [
    ('ln_1.', 'ln1.'),
    ('ln_2.', 'ln2.'),
    ('attn.in_proj_weight', 'attn.qkv.weight'),
    ('attn.in_proj_bias', 'attn.qkv.bias'),
    ('attn.out_proj.', 'attn.proj.'),
    ('mlp.c_fc.', 'ffn.layers.0.0.'),
    ('mlp.c_proj.', 'ffn.layers.1.'),
]

# Token parameters: the authors' number of dimensions; farl_mm's are 3-D,
# (L, C) -> (1, L, C), (C,) -> (1, 1, C) (the mask token: their
# VisualTransformer, farl/network/farl/model.py).
_TOKEN_DIMS = {'backbone.cls_token': 1, 'backbone.pos_embed': 2,
               'text_backbone.pos_embed': 2, 'backbone.mask_token': 1}


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


def _in_block(suffix, block_rules):
    """``'3.ln_1.weight'`` -> ``'3.ln1.weight'`` (or back)."""
    index, _, name = suffix.partition('.')
    rule = find_rule(name, block_rules)
    return suffix if rule is None else (
        f'{index}.{rule[1]}{name[len(rule[0]):]}')


def rename_state_dict(state_dict, parts, to_authors=False):
    """Rename by :data:`_RULES`, authors' -> farl_mm (``to_authors``:
    farl_mm -> authors'), and reshape the token parameters to the target's
    shapes; keys no rule of ``parts`` names are dropped. The one loop of
    :func:`convert_farl_state_dict` and :func:`.export.to_openai_clip`.

    Returns:
        tuple[OrderedDict, ConversionReport]: a new state dict and what
        was renamed and dropped.
    """
    rules, block_rules = _RULES, _BLOCK_RULES
    if to_authors:
        rules = [(ours, theirs, part) for theirs, ours, part in rules]
        block_rules = [(ours, theirs) for theirs, ours in block_rules]
    renamed, report = OrderedDict(), ConversionReport()
    for key, value in state_dict.items():
        rule = find_rule(key, rules)
        if rule is None or rule[2] not in parts:
            report.dropped.append(key)
            continue
        old, new, _ = rule
        suffix = key[len(old):]
        if (old if to_authors else new).endswith('layers.'):
            suffix = _in_block(suffix, block_rules)
        new_key = new + suffix
        ours = key if to_authors else new_key
        if ours in _TOKEN_DIMS:
            value = value.reshape(
                value.shape[-_TOKEN_DIMS[ours]:] if to_authors else
                (1, ) * (3 - value.dim()) + value.shape)
        renamed[new_key] = value
        report.renamed[key] = new_key
    return renamed, report


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
    return rename_state_dict(state_dict, parts)
