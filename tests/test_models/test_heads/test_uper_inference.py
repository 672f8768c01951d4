"""Tests farl_mm.models.heads.uper_inference."""
import pytest
import torch
from torch.utils.flop_counter import FlopCounterMode

from farl_mm.models.heads.uper_inference import (factorized_uper_heads,
                                                 supports, upsampled_conv)


def _head(channels=8, align_corners=False, device='cpu'):
    from mmseg.models.decode_heads import UPerHead  # after farl_mm's compat
    torch.manual_seed(0)
    with torch.device(device):
        head = UPerHead(
            in_channels=[channels] * 4, in_index=[0, 1, 2, 3],
            channels=channels, num_classes=5, pool_scales=(1, 2, 3, 6),
            norm_cfg=dict(type='BN'), align_corners=align_corners,
            loss_decode=dict(type='mmseg.CrossEntropyLoss'))
    for bn in head.modules():  # BN stats away from the identity
        if isinstance(bn, torch.nn.BatchNorm2d) and device != 'meta':
            bn.running_mean.uniform_(-1, 1)
            bn.running_var.uniform_(0.5, 2)
    return head.eval()


def _levels(channels=8, side=6, batch=2, device='cpu'):
    """FaRL's pyramid: x4, x2, x1, x0.5 of a ``side`` token grid."""
    gen = torch.Generator().manual_seed(1)
    return [torch.randn(batch, channels, side * 4 // k, side * 4 // k,
                        generator=gen).to(device) for k in (1, 2, 4, 8)]


@pytest.mark.parametrize('align_corners', [False, True])
def test_features_equal_mmseg_uperhead(align_corners):
    head = _head(align_corners=align_corners)
    levels = _levels()
    with torch.no_grad():
        expected = head(levels)
        with factorized_uper_heads(head), factorized_uper_heads(head):
            got = head(levels)  # nested: the inner one leaves it be
    assert '_forward_feature' not in vars(head)  # restored
    assert expected.std() > 0.1
    torch.testing.assert_close(got, expected, atol=1e-5, rtol=0)


@pytest.mark.parametrize('padding,dilation,sizes', [
    (1, 1, [(12, 10), (6, 5), (3, 3)]),   # odd, non-square coarse levels
    (0, 1, [(8, 8), (4, 4)]),             # 'valid': the output shrinks
    (2, 2, [(8, 8), (3, 5)]),             # dilated taps
])
def test_upsampled_conv_is_conv_of_resized_concat(padding, dilation, sizes):
    gen = torch.Generator().manual_seed(0)
    levels = [torch.randn(1, 3, *s, generator=gen) for s in sizes]
    conv = torch.nn.Conv2d(3 * len(sizes), 4, 3, padding=padding,
                           dilation=dilation)
    resized = [torch.nn.functional.interpolate(
        x, size=sizes[0], mode='bilinear', align_corners=False)
        for x in levels]
    with torch.no_grad():
        expected = conv(torch.cat(resized, 1))
        got = upsampled_conv(levels, conv, align_corners=False)
    torch.testing.assert_close(got, expected, atol=1e-5, rtol=0)


def test_training_heads_and_unsupported_bottlenecks_stay_mmseg():
    head = _head()
    head.train()
    with factorized_uper_heads(head):
        assert '_forward_feature' not in vars(head)
    head.eval()
    head.fpn_bottleneck.conv.stride = (2, 2)
    assert not supports(head)
    with factorized_uper_heads(head):
        assert '_forward_feature' not in vars(head)


def test_farl_448_head_flops_almost_halve():
    """The authors' 768-wide head on a 448 px input's pyramid (112, 56,
    28, 14), counted on the meta device: 737 -> 394 GFLOP per face with
    the bottleneck factorised (the backbone adds ~150)."""
    head = _head(channels=768, device='meta')
    levels = _levels(channels=768, side=28, batch=1, device='meta')
    flops = {}
    for name, context in (('mmseg', torch.no_grad),
                          ('factorised',
                           lambda: factorized_uper_heads(head))):
        counter = FlopCounterMode(display=False)
        with torch.no_grad(), context(), counter:
            head(levels)
        flops[name] = counter.get_total_flops()
    assert flops['factorised'] < 0.55 * flops['mmseg'], flops
