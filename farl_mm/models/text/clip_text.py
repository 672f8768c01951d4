"""FaRL's text encoder: OpenAI CLIP's text Transformer on mmpretrain blocks."""
import math
from functools import partial

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmengine.model import BaseModule, ModuleList
from torch.utils.checkpoint import checkpoint

from farl_mm.models.backbones.farl_vit import InplaceResidualLayer
from farl_mm.registry import MODELS


class CausalResidualLayer(InplaceResidualLayer):
    """The image tower's block where a token sees only itself and earlier
    ones.

    Same modules and parameters (``attn.qkv``, ``attn.proj``, ...) as the
    image blocks, so one converter rule maps both towers; only the mask
    differs: CLIP's upper-triangular ``-inf`` is ``is_causal`` of the
    attention function mmpretrain's attention calls.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.attn.scaled_dot_product_attention = partial(
            F.scaled_dot_product_attention, is_causal=True)


@MODELS.register_module()
class CLIPTextTransformer(BaseModule):
    """The text encoder ``E_T`` of FaRL (paper §3.2): OpenAI CLIP's.

    Token + learned position embeddings, pre-LN causal blocks with QuickGELU
    (the image tower's block class and parameter names), ``ln_final``, and
    the feature at the end-of-text token (the largest id, as CLIP finds it)
    projected to the joint space by ``proj`` (no bias).

    Args:
        arch (str | dict): A key of :attr:`arch_zoo` or a dict with
            ``embed_dims``, ``num_layers``, ``num_heads``,
            ``feedforward_channels`` and ``output_dims``.
        vocab_size (int): CLIP's BPE vocabulary, start/end tokens included.
        context_length (int): Longest token sequence (position embeddings).
        with_cp (bool): Activation checkpointing of each block in training.
        init_cfg (dict, optional): mmengine init config; without one the
            weights are drawn as CLIP draws them.

    Input: token ids ``(B, L)`` with ``L <= context_length``, zero-padded
    after the end token (a ``CLIPTokenizer`` output). Output: ``(B,
    output_dims)`` text embeddings, unnormalised. In training only the
    tokens up to the batch's last end token pass the blocks (the causal
    mask makes the rest irrelevant to the output).
    """
    arch_zoo = {
        **dict.fromkeys(['b', 'base'], dict(
            embed_dims=512, num_layers=12, num_heads=8,
            feedforward_channels=2048, output_dims=512)),
        **dict.fromkeys(['l', 'large'], dict(
            embed_dims=768, num_layers=12, num_heads=12,
            feedforward_channels=3072, output_dims=768)),
        # Pairs with FaRLViT 'tiny' (output_dims 64) for CPU tests.
        **dict.fromkeys(['t', 'tiny'], dict(
            embed_dims=64, num_layers=2, num_heads=4,
            feedforward_channels=256, output_dims=64)),
    }
    _ARCH_KEYS = {'embed_dims', 'num_layers', 'num_heads',
                  'feedforward_channels', 'output_dims'}

    def __init__(self,
                 arch='base',
                 vocab_size=49408,
                 context_length=77,
                 with_cp=False,
                 init_cfg=None):
        super().__init__(init_cfg=init_cfg)
        if isinstance(arch, str):
            if arch.lower() not in self.arch_zoo:
                raise ValueError(f'CLIPTextTransformer: unknown arch {arch!r}'
                                 f'; choose from {sorted(self.arch_zoo)}')
            arch = self.arch_zoo[arch.lower()]
        missing = self._ARCH_KEYS - set(arch)
        if missing:
            raise ValueError('CLIPTextTransformer: arch dict lacks '
                             + ', '.join(sorted(missing)))
        self.arch_settings = dict(arch)
        self.embed_dims = width = arch['embed_dims']
        self.num_layers = arch['num_layers']
        self.output_dims = arch['output_dims']
        self.context_length = context_length
        self.with_cp = with_cp

        self.token_embedding = nn.Embedding(vocab_size, width)
        self.pos_embed = nn.Parameter(torch.zeros(1, context_length, width))
        self.layers = ModuleList()
        for _ in range(self.num_layers):
            self.layers.append(CausalResidualLayer(
                width, arch['num_heads'], arch['feedforward_channels'],
                act_cfg=dict(type='farl_mm.QuickGELU'),
                norm_cfg=dict(type='LN', eps=1e-5)))
        self.ln_final = nn.LayerNorm(width, eps=1e-5)
        self.proj = nn.Parameter(torch.zeros(width, self.output_dims))
        self._clip_init()

    def _clip_init(self):
        """CLIP's draws: GPT-2-like, the residual writes scaled by depth."""
        width = self.embed_dims
        attn_std = width**-0.5
        proj_std = attn_std * (2 * self.num_layers)**-0.5
        fc_std = (2 * width)**-0.5
        nn.init.normal_(self.token_embedding.weight, std=0.02)
        nn.init.normal_(self.pos_embed, std=0.01)
        for layer in self.layers:
            nn.init.normal_(layer.attn.qkv.weight, std=attn_std)
            nn.init.zeros_(layer.attn.qkv.bias)
            nn.init.normal_(layer.attn.proj.weight, std=proj_std)
            nn.init.zeros_(layer.attn.proj.bias)
            fc, out = layer.ffn.layers[0][0], layer.ffn.layers[1]
            for linear, std in ((fc, fc_std), (out, proj_std)):
                nn.init.normal_(linear.weight, std=std)
                bound = 1 / math.sqrt(linear.in_features)  # torch's default
                nn.init.uniform_(linear.bias, -bound, bound)
        nn.init.normal_(self.proj, std=attn_std)

    def init_weights(self):
        """CLIP's init (done at construction) unless ``init_cfg`` loads.

        mmpretrain's blocks would otherwise re-draw their MLPs (Xavier).
        """
        if self.init_cfg:
            super().init_weights()

    def forward(self, text):
        if text.dim() != 2 or text.dtype not in (torch.long, torch.int):
            raise ValueError(
                'CLIPTextTransformer expects token ids of shape (B, L) as '
                f'int64/int32, got {tuple(text.shape)} {text.dtype}')
        if text.shape[1] > self.context_length:
            raise ValueError(
                f'CLIPTextTransformer: {text.shape[1]} tokens exceed the '
                f'context length {self.context_length}')
        eot = text.argmax(-1)
        if self.training:
            # Causal attention: no token after the batch's last end token
            # reaches an end token's feature, so training stops the
            # sequence there (exact; captions are mostly far shorter than
            # the context). Inference keeps every token's feature.
            text = text[:, :int(eot.max()) + 1]
        x = self.token_embedding(text) + self.pos_embed[:, :text.shape[1]]
        checkpointed = (self.with_cp and self.training
                        and torch.is_grad_enabled())
        for layer in self.layers:
            x = checkpoint(layer, x, use_reentrant=False) if checkpointed \
                else layer(x)
        x = self.ln_final(x)
        eos = x[torch.arange(x.shape[0], device=x.device), eot]
        return eos @ self.proj
