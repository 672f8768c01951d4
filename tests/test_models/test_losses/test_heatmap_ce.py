import math

import pytest
import torch
import torch.nn.functional as F

from farl_mm.models.losses import HeatmapBCECoordLoss, HeatmapSoftmaxCELoss
from farl_mm.models.losses.heatmap_ce import soft_argmax


def test_softmax_ce_by_hand():
    # logits (0, ln 3, 0, 0): softmax (1/6, 1/2, 1/6, 1/6); target (0, 1, 0,
    # 1) normalised (0, 1/2, 0, 1/2): CE = -(ln(1/2) + ln(1/6)) / 2.
    pred = torch.tensor([0, math.log(3), 0, 0]).view(1, 1, 2, 2)
    target = torch.tensor([0., 1., 0., 1.]).view(1, 1, 2, 2)
    loss = HeatmapSoftmaxCELoss(loss_weight=2.0)(pred, target)
    assert loss.item() == pytest.approx(2 * 0.5 * math.log(12), rel=1e-6)


def test_softmax_ce_weights_and_minimum():
    target = torch.rand(2, 3, 5, 5)
    best = (target / target.sum((-2, -1), keepdim=True)).log()
    entropy = HeatmapSoftmaxCELoss()(best, target)
    worse = HeatmapSoftmaxCELoss()(best + torch.randn_like(best), target)
    assert worse > entropy  # CE >= entropy, equal at the soft label
    pred = best.clone().requires_grad_()
    HeatmapSoftmaxCELoss()(pred, target).backward()
    assert pred.grad.abs().max() < 1e-6
    # keypoint weights: a zero-weight keypoint does not count
    pred = torch.randn(1, 2, 5, 5)
    weights = torch.tensor([[1.0, 0.0]])
    first = HeatmapSoftmaxCELoss()(pred[:, :1], target[:1, :1])
    weighted = HeatmapSoftmaxCELoss()(pred, target[:1, :2], weights)
    assert weighted.item() == pytest.approx(first.item())


def test_soft_argmax_of_a_gaussian():
    ys, xs = torch.meshgrid(torch.arange(32.), torch.arange(32.),
                            indexing='ij')
    centre = torch.tensor([11.3, 20.7])
    hm = torch.exp(-((xs - centre[0])**2 + (ys - centre[1])**2) / 2)
    assert torch.allclose(soft_argmax(hm[None, None])[0, 0], centre,
                          atol=1e-3)


def test_bce_coord_loss_by_hand():
    target = torch.rand(1, 2, 8, 8)
    pred = torch.randn(1, 2, 8, 8)
    bce = F.binary_cross_entropy_with_logits(pred, target)
    dist = (soft_argmax(pred.sigmoid()) - soft_argmax(target)).norm(
        dim=-1).mean() / 8
    loss = HeatmapBCECoordLoss(coord_weight=0.5)(pred, target)
    assert loss.item() == pytest.approx((bce + 0.5 * dist).item(), rel=1e-5)
