"""FaRL's image encoder: an OpenAI-CLIP ViT on mmpretrain's ViT pieces."""
import warnings
from typing import Optional, Sequence

import torch
import torch.nn as nn
from mmpretrain.models.backbones import VisionTransformer
from mmpretrain.models.backbones.vision_transformer import \
    TransformerEncoderLayer
from mmpretrain.models.utils import resize_pos_embed
from torch.utils.checkpoint import checkpoint

from farl_mm.registry import MODELS


@MODELS.register_module()
class QuickGELU(nn.Module):
    """CLIP's ``x * sigmoid(1.702 x)``, in one buffer when no gradient is
    needed.

    The MLP's hidden ``(B, L, 4C)`` activation is the largest tensor of a
    block; mmpretrain's ``QuickGELU`` allocates three of them, this one
    computes the sigmoid and the product in place in a single one, with the
    same numbers bit for bit.
    """

    def forward(self, x):
        if torch.is_grad_enabled() and x.requires_grad:
            return x * torch.sigmoid(1.702 * x)
        return x.mul(1.702).sigmoid_().mul_(x)


class InplaceResidualLayer(TransformerEncoderLayer):
    """mmpretrain's ViT block adding the stream into each branch's output.

    Same modules and parameter names; only ``forward`` differs. The
    attention and MLP branches each end in a fresh ``(B, L, C)`` tensor
    (a linear layer, then dropout / drop-path / layer scale, whose backward
    never needs their own output), so the residual is added into it instead
    of into a third, newly allocated tensor. On a 2-core CPU the saved
    allocations and passes are measurable (``docs/benchmarks.md``).
    """

    def forward(self, x):
        x = self.attn(self.ln1(x)).add_(x)
        ffn = self.ffn  # mmcv's FFN.forward with the sum in place
        return ffn.dropout_layer(ffn.gamma2(ffn.layers(self.ln2(x)))).add_(x)


def pretrained_init_cfg(pretrained, init_cfg):
    """``init_cfg`` for a backbone handed a stock segmentor's
    ``pretrained`` path (see :class:`FaRLViT`)."""
    if pretrained is None:
        return init_cfg
    if init_cfg is not None:
        warnings.warn(
            f'FaRLViT: both init_cfg ({init_cfg}) and pretrained '
            f'({pretrained!r}, e.g. a stock config\'s model.pretrained) are '
            'set; init_cfg is used. Set model.pretrained=None to silence '
            'this.', stacklevel=3)
        return init_cfg
    return dict(type='Pretrained', checkpoint=pretrained, prefix='backbone.')


@MODELS.register_module()
class FaRLViT(VisionTransformer):
    """The visual Transformer ``E_I`` of FaRL (paper §3.2, §4.1).

    OpenAI-CLIP layout: patch conv without bias, class token, ``ln_pre``
    (``pre_norm``), pre-LN blocks with QuickGELU, LayerNorm eps 1e-5,
    ``ln_post`` (``ln1``) and a projection to the joint space (``proj``).
    The blocks are mmpretrain's, with the residual sums done in place
    (:class:`InplaceResidualLayer`). Parameter names are mmpretrain's, so
    :mod:`farl_mm.converters` maps the authors' checkpoints onto it and the
    parent's load-time hook resizes the position embedding (bicubic) when
    ``img_size`` differs from the file's.

    Downstream heads tap the raw residual stream after blocks
    ``out_indices`` (default 4/6/8/12, no final LN), as the authors do.

    Args:
        arch (str | dict): A key of :attr:`arch_zoo` or a dict with
            ``embed_dims``, ``num_layers``, ``num_heads``,
            ``feedforward_channels`` and ``output_dims``.
        img_size (int): Input size the position embedding is built for;
            other sizes are handled by bicubic resizing at forward time.
        out_indices (Sequence[int], optional): Blocks to tap (0-based).
            Defaults to the arch's ``out_indices`` (ViT-B: 3, 5, 7, 11 as in
            the paper), else the last block. A block listed ``k`` times is
            returned ``k`` times (the single-level study of §4.5 feeds one
            block to every input of a multi-level head).
        out_type (str): What is returned for each tapped block:

            - ``'featmap'``: patch tokens as ``(B, C, H/p, W/p)`` maps.
            - ``'raw'``: all tokens ``(B, 1 + HW/p², C)``, class token first.
            - ``'cls_token'``: ``ln_post`` of the class token, ``(B, C)``.
            - ``'embedding'``: ``ln_post(cls) @ proj``, ``(B, output_dims)``,
              the image embedding of the contrastive objective.

            Parameters the chosen output never reaches (``ln_post`` for
            ``'featmap'``/``'raw'``, ``proj`` for all but ``'embedding'``,
            blocks after the last tap)
            stay in the state dict but get ``requires_grad=False``, so DDP
            need not look for unused parameters; the forward stops at the
            last tapped block.
        frozen_stages (int): Freeze the patch/position/class embeddings,
            ``ln_pre`` and the first ``frozen_stages`` blocks (no gradients,
            kept in eval mode). ``num_layers`` freezes the whole backbone,
            ``ln_post`` and ``proj`` included. -1 freezes nothing.
        with_cp (bool): Activation checkpointing of each block in training.
        init_cfg (dict, optional): mmengine init config, e.g. FaRL's
            weights: ``dict(type='Pretrained', checkpoint=...,
            prefix='backbone.')``.
        pretrained (str, optional): What mmseg's ``EncoderDecoder`` hands
            its backbone when a config sets ``model.pretrained`` (nearly
            all stock mmseg configs do). As mmseg's backbones do, it
            becomes ``init_cfg`` Pretrained, read as a farl_mm checkpoint
            (``tools/model_converters/farl2mm.py`` output, weights under
            ``backbone.``). With ``init_cfg`` also set, ``init_cfg`` wins
            and a warning names the ignored path.
        **kwargs: Passed to mmpretrain's ``VisionTransformer``.
    """
    OUT_TYPES = {'featmap', 'raw', 'cls_token', 'embedding'}
    arch_zoo = {
        **dict.fromkeys(['b', 'base'], dict(
            embed_dims=768, num_layers=12, num_heads=12,
            feedforward_channels=3072, output_dims=512,
            out_indices=(3, 5, 7, 11))),
        **dict.fromkeys(['l', 'large'], dict(
            embed_dims=1024, num_layers=24, num_heads=16,
            feedforward_channels=4096, output_dims=768,
            out_indices=(7, 11, 15, 23))),
        # Small enough for CPU tests and the demo.
        **dict.fromkeys(['t', 'tiny'], dict(
            embed_dims=64, num_layers=4, num_heads=4,
            feedforward_channels=256, output_dims=64,
            out_indices=(0, 1, 2, 3))),
    }

    def __init__(self,
                 arch='base',
                 img_size=224,
                 patch_size=16,
                 out_indices: Optional[Sequence[int]] = None,
                 out_type='featmap',
                 frozen_stages=-1,
                 with_cp=False,
                 init_cfg=None,
                 pretrained=None,
                 **kwargs):
        init_cfg = pretrained_init_cfg(pretrained, init_cfg)
        if out_indices is None:
            settings = arch if isinstance(arch, dict) else \
                self.arch_zoo[arch.lower()]
            out_indices = settings.get('out_indices',
                                       (settings['num_layers'] - 1, ))
        kwargs.setdefault('norm_cfg', dict(type='LN', eps=1e-5))
        kwargs.setdefault('layer_cfgs',
                          dict(act_cfg=dict(type='farl_mm.QuickGELU')))
        super().__init__(
            arch=arch,
            img_size=img_size,
            patch_size=patch_size,
            out_indices=list(out_indices),
            out_type=out_type,
            pre_norm=True,
            final_norm=True,
            init_cfg=init_cfg,
            **kwargs)
        for layer in self.layers:  # same modules, faster forward
            layer.__class__ = InplaceResidualLayer
        self.with_cp = with_cp
        self.output_dims = self.arch_settings['output_dims']
        self.proj = nn.Parameter(
            torch.randn(self.embed_dims, self.output_dims) *
            self.embed_dims**-0.5)
        # The parent froze its modules before `proj` existed.
        self.frozen_stages = frozen_stages
        if frozen_stages > 0:
            self._freeze_stages()
        self._freeze_unreached()

    def _freeze_unreached(self):
        """No gradients for what the configured output never uses."""
        unreached = list(self.layers[max(self.out_indices) + 1:])
        if self.out_type in ('featmap', 'raw'):
            unreached.append(self.ln1)
        if self.out_type != 'embedding':
            self.proj.requires_grad = False
        for module in unreached:
            module.requires_grad_(False)

    def _freeze_stages(self):
        super()._freeze_stages()
        if self.frozen_stages >= self.num_layers and hasattr(self, 'proj'):
            self.proj.requires_grad = False

    def train(self, mode=True):
        """Keep frozen parts in eval mode whatever the runner asks."""
        if self.frozen_stages >= self.num_layers:
            mode = False  # the whole backbone is frozen
        super().train(mode)
        if mode and self.frozen_stages > 0:
            self._freeze_stages()
        return self

    def embed(self, x):
        """Patchify and add class token and position embedding.

        Returns:
            tuple: tokens ``(B, 1 + HW, C)`` after ``ln_pre`` and the patch
            grid ``(H, W)``.
        """
        x, hw = self.patch_embed(x)  # (B, HW, C)
        cls_token = self.cls_token.expand(x.shape[0], -1, -1)
        x = torch.cat((cls_token.to(x.dtype), x), dim=1)
        x = x + resize_pos_embed(self.pos_embed, self.patch_resolution, hw,
                                 self.interpolate_mode, self.num_extra_tokens)
        x = self.drop_after_pos(x)
        return self.pre_norm(x), hw

    def forward(self, x):
        x, hw = self.embed(x)
        checkpointed = (self.with_cp and self.training
                        and torch.is_grad_enabled())
        outs = []
        for i, layer in enumerate(self.layers[:max(self.out_indices) + 1]):
            if checkpointed:
                x = checkpoint(layer, x, use_reentrant=False)
            else:
                x = layer(x)
            if i in self.out_indices:  # a repeated tap repeats the output
                out = self._format_output(x, hw)
                outs += [out] * self.out_indices.count(i)
        return tuple(outs)

    def _format_output(self, x, hw):
        if self.out_type == 'raw':
            return x
        if self.out_type == 'featmap':
            B, _, C = x.shape
            patch_tokens = x[:, self.num_extra_tokens:]
            # (B, HW, C) -> (B, C, H, W)
            return patch_tokens.transpose(1, 2).reshape(B, C, *hw)
        cls_token = self.ln1(x[:, 0])
        if self.out_type == 'cls_token':
            return cls_token
        return cls_token @ self.proj  # 'embedding'
