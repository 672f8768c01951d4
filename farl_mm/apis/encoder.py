"""FaRL as a CLIP-style encoder: images and captions to joint embeddings.

One entry point for both kinds of FaRL files: the authors' releases
(OpenAI-CLIP layout) and farl_mm pretraining checkpoints. Outputs equal
OpenAI CLIP's ``encode_image`` / ``encode_text`` on the same weights.
"""
import re

import torch
import torch.nn as nn

from farl_mm.converters import NotAFaRLCheckpoint
from farl_mm.converters.export import load_farl_mm_state_dict
from farl_mm.models.backbones.farl_vit import FaRLViT
from farl_mm.models.text.clip_text import CLIPTextTransformer
from farl_mm.utils.checkpoint_task import check_task
from farl_mm.utils.saved_config import read_saved_config

_NO_CONFIG = ('FaRLEncoder takes only the head counts from it; if you '
              'trust the weights, export them without it '
              '(tools/model_converters/farl_export.py).')


class FaRLEncoder(nn.Module):
    """FaRL's image and text towers and temperature, ready for inference.

    Build it with :meth:`from_checkpoint`. Like OpenAI CLIP's model,
    ``logit_scale`` is the log of the logit multiplier
    (``logit_scale.exp()`` scales cosine similarities), and the encoders
    return unnormalised embeddings.

    Args:
        image_encoder (FaRLViT): With ``out_type='embedding'``.
        text_encoder (CLIPTextTransformer, optional): None for image-only
            checkpoints (``encode_text`` then raises).
        logit_scale (Tensor, optional): The log temperature scalar.

    Attributes:
        source (str): ``'authors'`` or ``'farl_mm'``, the file's layout.
    """

    def __init__(self, image_encoder, text_encoder=None, logit_scale=None):
        super().__init__()
        self.image_encoder = image_encoder
        self.text_encoder = text_encoder
        self.logit_scale = nn.Parameter(
            torch.tensor(0.) if logit_scale is None else logit_scale.clone(),
            requires_grad=False)
        self.source = None

    @classmethod
    def from_checkpoint(cls, path, device='cpu'):
        """Load an authors' FaRL file or a farl_mm checkpoint (weights only).

        Architectures come from the tensors' shapes; the head counts, which
        shapes do not show, from the checkpoint's ``meta.cfg`` (mmengine
        writes it; read as data, nothing in it runs) or else the arch of
        that width (CLIP: 64-dim heads).

        Raises:
            TaskMismatchError: The file is a downstream task's checkpoint.
            UnsafeConfigError: Its ``meta.cfg`` is more than plain data.
        """
        state_dict, layout, meta = load_farl_mm_state_dict(path)
        check_task(dict(meta=meta, state_dict=state_dict), 'pretrain', path)
        heads = _heads_from_cfg(meta.get('cfg'), path)
        with torch.device('meta'):  # no random init: the file fills all
            image_encoder = FaRLViT(
                **_image_cfg(state_dict, heads.get('backbone')))
        _load(image_encoder, state_dict, 'backbone.', path,
              skip={'mask_token'})
        text_encoder = None
        if any(k.startswith('text_backbone.') for k in state_dict):
            with torch.device('meta'):
                text_encoder = CLIPTextTransformer(
                    **_text_cfg(state_dict, heads.get('text_backbone')))
            _load(text_encoder, state_dict, 'text_backbone.', path)
        logit_scale = state_dict.get('logit_scale')
        encoder = cls(image_encoder, text_encoder,
                      None if logit_scale is None else logit_scale.float())
        encoder.source = layout
        return encoder.to(device).eval()

    @property
    def device(self):
        return self.logit_scale.device

    def encode_image(self, pixels):
        """``(B, D)`` embeddings of ``(B, 3, H, W)`` float images already
        normalised with CLIP's mean and std (224 px for the released
        models)."""
        if pixels.dim() != 4 or pixels.shape[1] != 3:
            raise ValueError('encode_image expects (B, 3, H, W) images, got '
                             f'{tuple(pixels.shape)}')
        return self.image_encoder(pixels.to(self.device))[-1]

    def encode_text(self, texts):
        """``(B, D)`` embeddings of captions (a list of str, or CLIP token
        ids ``(B, 77)``)."""
        if self.text_encoder is None:
            raise RuntimeError(
                'this FaRLEncoder has no text tower: its checkpoint held '
                'no text_backbone.* (an image-only export?)')
        if isinstance(texts, str):
            texts = [texts]
        if not torch.is_tensor(texts):
            texts = self.tokenize(texts)
        return self.text_encoder(texts.to(self.device))

    def tokenize(self, texts):
        """CLIP token ids ``(B, context_length)``, as ``clip.tokenize``."""
        from farl_mm.models.text.tokenizer import \
            shared_tokenizer  # lazy: only text use needs the BPE file
        return shared_tokenizer().tokenize(
            list(texts), self.text_encoder.context_length)

    def forward(self, pixels, texts):
        """CLIP's ``logits_per_image, logits_per_text``."""
        image = self.encode_image(pixels)
        text = self.encode_text(texts)
        image = image / image.norm(dim=-1, keepdim=True)
        text = text / text.norm(dim=-1, keepdim=True)
        logits = self.logit_scale.exp() * image @ text.t()
        return logits, logits.t()


def _load(module, state_dict, prefix, path, skip=()):
    """Strict load of one tower built on the meta device (the file's
    tensors become its parameters), errors naming the file."""
    own = {k[len(prefix):]: v.float() if v.is_floating_point() else v
           for k, v in state_dict.items()  # OpenAI's files are half
           if k.startswith(prefix) and k[len(prefix):] not in skip}
    try:
        module.load_state_dict(own, strict=True, assign=True)
    except RuntimeError as err:
        raise NotAFaRLCheckpoint(
            f'{path}: the {prefix}* tensors do not fit the '
            f'{type(module).__name__} their shapes describe: {err}') from None
    left = [n for n, t in [*module.named_parameters(),
                           *module.named_buffers()] if t.is_meta]
    if left:  # a tensor outside the state dict (a non-persistent buffer)
        raise RuntimeError(f'{type(module).__name__}: {left} not loaded')


def _count_layers(state_dict, prefix):
    pattern = re.compile(re.escape(prefix) + r'(\d+)\.')
    return len({m.group(1) for k in state_dict
                if (m := pattern.match(k))})


def _num_heads(width, layers, zoo, given):
    """Heads are not in the shapes: the config's, else the zoo arch of this
    width (and depth), else OpenAI's rule of 64-dim heads."""
    if given:
        return given
    same_width = [a for a in zoo.values() if a['embed_dims'] == width]
    deep = [a for a in same_width if a['num_layers'] == layers]
    if deep or same_width:
        return (deep or same_width)[0]['num_heads']
    return max(width // 64, 1)


def _image_cfg(state_dict, heads=None):
    width = state_dict['backbone.cls_token'].shape[-1]
    layers = _count_layers(state_dict, 'backbone.layers.')
    patch = state_dict['backbone.patch_embed.projection.weight'].shape[-1]
    grid = round((state_dict['backbone.pos_embed'].shape[1] - 1)**0.5)
    arch = dict(
        embed_dims=width, num_layers=layers,
        num_heads=_num_heads(width, layers, FaRLViT.arch_zoo, heads),
        feedforward_channels=state_dict[
            'backbone.layers.0.ffn.layers.0.0.weight'].shape[0],
        output_dims=state_dict['backbone.proj'].shape[1])
    return dict(arch=arch, img_size=grid * patch, patch_size=patch,
                out_type='embedding', out_indices=(layers - 1, ))


def _text_cfg(state_dict, heads=None):
    vocab, width = state_dict[
        'text_backbone.token_embedding.weight'].shape
    layers = _count_layers(state_dict, 'text_backbone.layers.')
    arch = dict(
        embed_dims=width, num_layers=layers,
        num_heads=_num_heads(width, layers, CLIPTextTransformer.arch_zoo,
                             heads),
        feedforward_channels=state_dict[
            'text_backbone.layers.0.ffn.layers.0.0.weight'].shape[0],
        output_dims=state_dict['text_backbone.proj'].shape[1])
    return dict(arch=arch, vocab_size=vocab,
                context_length=state_dict[
                    'text_backbone.pos_embed'].shape[1])


def _heads_from_cfg(cfg_text, path):
    """``{'backbone': n, 'text_backbone': m}`` from an mmengine ``meta.cfg``
    (the config text a Runner saves, read as data: nothing in it runs);
    empty when absent.

    Raises:
        UnsafeConfigError: The saved config is more than plain data.
    """
    if not cfg_text:
        return {}
    model = read_saved_config(cfg_text, path, hint=_NO_CONFIG).get('model')
    if not isinstance(model, dict):
        return {}
    heads = {}
    towers = (('backbone', FaRLViT), ('text_backbone', CLIPTextTransformer))
    for key, tower in towers:
        arch = (model.get(key) or {}).get('arch')
        if isinstance(arch, str) and arch.lower() in tower.arch_zoo:
            arch = tower.arch_zoo[arch.lower()]
        if isinstance(arch, dict) and 'num_heads' in arch:
            heads[key] = arch['num_heads']
    return heads
