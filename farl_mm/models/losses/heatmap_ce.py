"""Heatmap losses of FaRL's face alignment head (paper §4.1, appendix).

mmpose has MSE, KL and focal heatmap losses but no soft-label
cross-entropy over the spatial positions of a 2-D heatmap, which is what
the paper trains with; the authors' code trains a sigmoid heatmap with
per-pixel BCE plus a distance on soft-argmax coordinates instead
(``farl_reference.md`` §6). Both take mmpose's ``(pred, target,
keypoint_weights)`` so :class:`mmpose.models.heads.HeatmapHead` calls them
unchanged.
"""
import torch
import torch.nn as nn
import torch.nn.functional as F

from farl_mm.registry import MODELS


def _weighted_mean(per_keypoint, keypoint_weights):
    """Mean of ``(B, K)`` values over keypoints whose weight is non-zero."""
    if keypoint_weights is None:
        return per_keypoint.mean()
    weights = keypoint_weights.to(per_keypoint)
    return (per_keypoint * weights).sum() / weights.sum().clamp(min=1e-6)


@MODELS.register_module()
class HeatmapSoftmaxCELoss(nn.Module):
    """Soft-label cross-entropy between a spatial softmax and the target.

    Each predicted heatmap ``(H, W)`` of logits is a distribution over its
    ``H * W`` positions (softmax); the target Gaussian (values in [0, 1])
    is normalised to sum to one and used as the soft label:
    ``-sum_p t(p) log softmax(x)(p)``, averaged over visible keypoints.

    Args:
        loss_weight (float): Multiplier of the loss.
    """

    activation = 'softmax'  # what the head must decode with

    def __init__(self, loss_weight=1.0):
        super().__init__()
        self.loss_weight = loss_weight

    def forward(self, pred, target, keypoint_weights=None):
        """pred, target: ``(B, K, H, W)``; keypoint_weights: ``(B, K)``."""
        log_prob = F.log_softmax(pred.flatten(2), dim=-1)  # (B, K, HW)
        label = target.flatten(2).to(log_prob)
        label = label / label.sum(-1, keepdim=True).clamp(min=1e-12)
        per_keypoint = -(label * log_prob).sum(-1)  # (B, K)
        return self.loss_weight * _weighted_mean(per_keypoint,
                                                 keypoint_weights)


def soft_argmax(heatmaps, eps=1e-12):
    """Expected ``(x, y)`` of ``(..., H, W)`` non-negative maps, in
    heatmap pixels (pixel centres at integer coordinates); an all-zero map
    (mass below ``eps``) gives ``(0, 0)``."""
    h, w = heatmaps.shape[-2:]
    mass = heatmaps.sum((-2, -1)).clamp(min=eps)
    xs = torch.arange(w, dtype=heatmaps.dtype, device=heatmaps.device)
    ys = torch.arange(h, dtype=heatmaps.dtype, device=heatmaps.device)
    x = (heatmaps.sum(-2) * xs).sum(-1) / mass
    y = (heatmaps.sum(-1) * ys).sum(-1) / mass
    return torch.stack([x, y], dim=-1)  # (..., 2)


@MODELS.register_module()
class HeatmapBCECoordLoss(nn.Module):
    """The authors' code variant: per-pixel BCE on sigmoid heatmaps plus
    the L2 distance between the soft-argmax of the predicted and of the
    target heatmap.

    The target's soft-argmax is its landmark to well under 0.01 heatmap
    pixel for a 1-pixel sigma away from the border, so mmpose's codec
    targets are enough and no coordinates need to be packed. Its
    ``activation`` tells ``UPerHeatmapHead`` to decode sigmoid maps.

    Args:
        coord_weight (float): Weight of the coordinate term; its distance
            is in units of the heatmap side (so both terms are O(1)).
        loss_weight (float): Multiplier of the sum.
    """

    activation = 'sigmoid'  # what the head must decode with

    def __init__(self, coord_weight=1.0, loss_weight=1.0):
        super().__init__()
        self.coord_weight = coord_weight
        self.loss_weight = loss_weight

    def forward(self, pred, target, keypoint_weights=None):
        """pred, target: ``(B, K, H, W)``; keypoint_weights: ``(B, K)``."""
        target = target.to(pred)
        bce = F.binary_cross_entropy_with_logits(
            pred, target, reduction='none').mean((-2, -1))  # (B, K)
        side = max(pred.shape[-2:])
        dist = (soft_argmax(pred.sigmoid()) - soft_argmax(target)).norm(
            dim=-1) / side  # (B, K)
        per_keypoint = bce + self.coord_weight * dist
        return self.loss_weight * _weighted_mean(per_keypoint,
                                                 keypoint_weights)
