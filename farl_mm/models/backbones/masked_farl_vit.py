"""FaRLViT with the learnable mask token of FaRL's MIM pass."""
import torch
import torch.nn as nn
from mmengine.model.weight_init import trunc_normal_
from mmpretrain.models.utils import resize_pos_embed
from torch.utils.checkpoint import checkpoint

from farl_mm.models.backbones.farl_vit import FaRLViT
from farl_mm.registry import MODELS


@MODELS.register_module()
class MaskedFaRLViT(FaRLViT):
    """The image tower of FaRL pretraining (paper §3.1, reference §2).

    ``forward(x)`` is :class:`FaRLViT`'s (the clean pass of the contrastive
    objective). ``forward(x, mask)`` is the masked pass: masked patch
    embeddings are replaced by ``mask_token`` *before* the class token and
    the position embedding are added (as the authors do, so a masked patch
    still knows where it is), every block runs, and all tokens of the last
    block come back, class token first, without ``ln_post``: the MIM head's
    blocks see the class token too (§3.3, ``E_MIM(f_cls, f_1..N)``).
    All arguments are :class:`FaRLViT`'s.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.mask_token = nn.Parameter(torch.zeros(1, 1, self.embed_dims))
        trunc_normal_(self.mask_token, std=0.02)

    def embed(self, x, mask=None):
        """:meth:`FaRLViT.embed`, with ``mask`` ``(B, h, w)`` bool patches
        swapped for the mask token."""
        if mask is None:
            return super().embed(x)
        x, hw = self.patch_embed(x)  # (B, HW, C)
        if mask.shape[1:] != hw:
            raise ValueError(f'MaskedFaRLViT: mask {tuple(mask.shape)} does '
                             f'not match the {hw} patch grid')
        w = mask.flatten(1).unsqueeze(-1).to(x.dtype)  # (B, HW, 1)
        x = x * (1 - w) + self.mask_token.to(x.dtype) * w
        cls_token = self.cls_token.expand(x.shape[0], -1, -1)
        x = torch.cat((cls_token.to(x.dtype), x), dim=1)
        x = x + resize_pos_embed(self.pos_embed, self.patch_resolution, hw,
                                 self.interpolate_mode, self.num_extra_tokens)
        return self.pre_norm(self.drop_after_pos(x)), hw

    def forward(self, x, mask=None):
        if mask is None:
            return super().forward(x)
        x, _ = self.embed(x, mask)
        checkpointed = (self.with_cp and self.training
                        and torch.is_grad_enabled())
        for layer in self.layers:
            x = checkpoint(layer, x, use_reentrant=False) if checkpointed \
                else layer(x)
        return x  # (B, 1 + HW, C), class token first
