"""FaRL's face-attribute head (paper §4.1) on mmpretrain's cls heads."""
from typing import Sequence, Tuple

import torch
import torch.nn as nn
from mmengine.model import BaseModule
from mmpretrain.models.heads import ClsHead, MultiLabelClsHead

from farl_mm.registry import MODELS


class MultiLevelTokenPool(BaseModule):
    """The fused feature of the attribute head.

    From each tapped layer ``k`` of the ViT (all tokens, class token first):
    the class token, the mean and the max-pool of the patch tokens. Each of
    these ``3 * num_levels`` vectors gets its own LayerNorm; they are summed
    with learnable weights normalised by a softmax (uniform at start).

    Args:
        in_channels (int): Token width of the backbone.
        num_levels (int): Number of tapped layers (paper: 4, {4, 6, 8, 12}).
        single_level (bool): Feed one tapped layer to all ``num_levels``
            slots instead of ``num_levels`` different ones: the layer study
            of §4.5 / Figure 4, which keeps the head unchanged.
    """

    KINDS = ('cls', 'mean', 'max')

    def __init__(self, in_channels, num_levels=4, single_level=False,
                 init_cfg=None):
        super().__init__(init_cfg=init_cfg)
        self.num_levels = num_levels
        self.single_level = single_level
        num_vectors = len(self.KINDS) * num_levels
        self.norms = nn.ModuleList(
            nn.LayerNorm(in_channels) for _ in range(num_vectors))
        self.fusion_logits = nn.Parameter(torch.zeros(num_vectors))

    @property
    def fusion_weights(self):
        """The softmax-normalised weights, ``(3 * num_levels,)``, level-major
        (cls, mean, max of the first tap, then of the second ...)."""
        return self.fusion_logits.softmax(0)

    def forward(self, feats: Sequence[torch.Tensor]) -> torch.Tensor:
        feats = tuple(feats)
        expected = 1 if self.single_level else self.num_levels
        if len(feats) != expected:
            raise ValueError(
                f'{type(self).__name__} expects {expected} tapped layer(s) '
                f'(single_level={self.single_level}), got {len(feats)}; set '
                'the backbone out_indices accordingly')
        if self.single_level:
            feats = feats * self.num_levels
        vectors = []
        for tokens in feats:  # (B, 1 + N, C), class token first
            if tokens.dim() != 3:
                raise ValueError(
                    'expects raw tokens (B, 1 + N, C): set the backbone '
                    f"out_type='raw', got {tokens.shape}")
            patches = tokens[:, 1:]
            vectors += [tokens[:, 0], patches.mean(1), patches.amax(1)]
        normed = torch.stack(
            [norm(v) for norm, v in zip(self.norms, vectors)], 1)  # (B, 3K, C)
        return torch.einsum('k,bkc->bc', self.fusion_weights, normed)


class _FusedLinear:
    """What both heads add to their mmpretrain base: the fused multi-level
    feature (:class:`MultiLevelTokenPool`), then one linear layer; the
    base's own arguments pass through ``kwargs``."""

    def __init__(self, num_classes, in_channels, num_levels=4,
                 single_level=False, **kwargs):
        super().__init__(**kwargs)
        self.pool = MultiLevelTokenPool(in_channels, num_levels, single_level)
        self.fc = nn.Linear(in_channels, num_classes)

    def pre_logits(self, feats: Tuple[torch.Tensor]) -> torch.Tensor:
        return self.pool(feats)

    def forward(self, feats: Tuple[torch.Tensor]) -> torch.Tensor:
        return self.fc(self.pre_logits(feats))


@MODELS.register_module()
class FaRLAttributeHead(_FusedLinear, MultiLabelClsHead):
    """Multi-label binary attributes (CelebA, LFWA): the fused multi-level
    feature (:class:`MultiLevelTokenPool`), then one linear layer; sigmoid
    binary cross-entropy and threshold 0.5 come from ``MultiLabelClsHead``.

    Args:
        num_classes (int): Number of attributes (40 for CelebA / LFWA).
        in_channels (int): Token width of the backbone.
        num_levels (int): Number of tapped layers.
        single_level (bool): See :class:`MultiLevelTokenPool`.
        **kwargs: ``loss``, ``thr``, ``topk``, ``init_cfg`` of
            ``MultiLabelClsHead``.
    """


@MODELS.register_module()
class FaRLAttributeClsHead(_FusedLinear, ClsHead):
    """One single-label task (softmax cross-entropy) on the same fused
    feature, e.g. FairFace's age, gender and race as three of these inside
    ``mmpretrain.MultiTaskHead``.

    Args:
        num_classes (int): Number of classes of the task.
        in_channels (int): Token width of the backbone.
        num_levels (int): Number of tapped layers.
        single_level (bool): See :class:`MultiLevelTokenPool`.
        **kwargs: ``loss``, ``topk``, ``cal_acc``, ``init_cfg`` of
            ``ClsHead``.
    """
