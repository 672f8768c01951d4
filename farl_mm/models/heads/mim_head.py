"""FaRL's masked-image-modelling head (paper §3.1, §3.3, Table 3 MIM1 /
MIM6)."""
import torch.nn as nn
from mmengine.model import BaseModule, ModuleList

from farl_mm.models.backbones.farl_vit import InplaceResidualLayer
from farl_mm.registry import MODELS


@MODELS.register_module()
class MIMHead(BaseModule):
    """Transformer blocks, LayerNorm and a classifier over visual tokens.

    The blocks see the class token with the patch tokens, as the paper's
    ``E_MIM(f_cls, f_1..N)`` (§3.3) and the authors' ``forward_mim`` (their
    ``lm_transformer`` runs on every token; the class token is dropped only
    after it). The blocks are the image tower's (pre-LN, QuickGELU,
    LayerNorm eps 1e-5, same parameter names), so the converter maps the
    authors' ``lm_transformer`` / ``ln_lm`` / ``lm_head`` onto ``layers`` /
    ``ln`` / ``classifier``.

    Args:
        embed_dims (int): Width of the encoder output.
        num_heads (int): Attention heads of each block.
        vocab_size (int): Size of the target tokenizer's vocabulary.
        depth (int): Number of blocks (the paper's default is 1; its
            ablation also tries 6).
        feedforward_ratio (int): MLP width over ``embed_dims``.
        loss (dict, optional): The classification loss over masked
            patches; default mmpretrain's cross-entropy.
        init_cfg (dict, optional): mmengine init config; default truncated
            normal (std 0.02) linear layers, as BEiT's head.
    """

    def __init__(self,
                 embed_dims=768,
                 num_heads=12,
                 vocab_size=8192,
                 depth=1,
                 feedforward_ratio=4,
                 loss=None,
                 init_cfg=None):
        super().__init__(init_cfg=init_cfg or dict(
            type='TruncNormal', layer='Linear', std=0.02))
        self.vocab_size = vocab_size
        self.layers = ModuleList()
        for _ in range(depth):
            self.layers.append(InplaceResidualLayer(  # E_I's block
                embed_dims, num_heads, feedforward_ratio * embed_dims,
                act_cfg=dict(type='farl_mm.QuickGELU'),
                norm_cfg=dict(type='LN', eps=1e-5)))
        self.ln = nn.LayerNorm(embed_dims, eps=1e-5)
        self.classifier = nn.Linear(embed_dims, vocab_size)
        self.loss_module = MODELS.build(
            loss or dict(type='mmpretrain.CrossEntropyLoss'))

    def encode(self, x):
        """Tokens ``(B, 1 + HW, C)``, class token first, through the blocks;
        returns the patch tokens ``(B, HW, C)``."""
        for layer in self.layers:
            x = layer(x)
        return x[:, 1:]

    def forward(self, x):
        """Tokens ``(B, 1 + HW, C)`` -> patch logits ``(B, HW, V)``."""
        return self.classifier(self.ln(self.encode(x)))

    def loss(self, x, target, mask):
        """Cross-entropy on the masked patches only.

        Args:
            x (Tensor): Encoder output of the masked pass, class token
                first, ``(B, 1 + HW, C)``.
            target (Tensor): Token ids of the tokenizer, ``(B, h, w)``.
            mask (Tensor): ``(B, h, w)`` bool, True where a patch was masked.

        Returns:
            tuple[Tensor, Tensor]: loss and top-1 accuracy on masked patches.
        """
        if target.shape != mask.shape or target.flatten(1).shape[1] != \
                x.shape[1] - 1:
            raise ValueError(
                f'MIMHead: {x.shape[1] - 1} patch tokens (after the class '
                f'token), target {tuple(target.shape)} and mask '
                f'{tuple(mask.shape)} must describe the same patch grid')
        mask = mask.flatten(1).bool()
        if not mask.any():
            raise ValueError('MIMHead: no patch is masked in this batch')
        # the blocks see every token; only masked patches are classified
        logits = self.classifier(self.ln(self.encode(x)[mask]))  # (M, V)
        labels = target.flatten(1)[mask]
        acc = (logits.argmax(-1) == labels).float().mean()
        return self.loss_module(logits.float(), labels), acc
