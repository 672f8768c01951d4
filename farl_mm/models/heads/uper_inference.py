"""mmseg's UPerHead at inference: the same outputs, its FLOPs almost
halved in FaRL's configuration (768 channels, levels x4 / x2 / x1 / x0.5;
per 448 px face 737 -> 394 GFLOP, the parsing network 894 -> 551).

UPerHead's last convolution (``fpn_bottleneck``, 3x3) reads the four FPN
levels after the three coarse ones were upsampled bilinearly to the finest
size: at 448 px a 3072 -> 768 channel convolution at 112 x 112, 533 GFLOP
of the 894 of the authors' parsing network. Convolution and bilinear
upsampling are both linear and the upsampling treats each channel alone,
so for a coarse level each kernel tap's channel mixing can run at the
level's own resolution; the upsampling, with the tap's shift and the zero
border, is then two small matrices, one per axis. The three coarse levels
cost 44 + 12 GFLOP instead of 400. The numbers are the same up to float
rounding (about 1e-6 of the logits' scale).

Used by :class:`farl_mm.FaceParser` and :class:`farl_mm.FaceWarpPoseEstimator`
at test time through :func:`factorized_uper_heads`; training runs mmseg's
own forward.
"""
import contextlib
import functools

import torch
import torch.nn.functional as F
from mmseg.models.decode_heads import UPerHead


@contextlib.contextmanager
def factorized_uper_heads(model):
    """Within: each UPerHead of ``model`` in eval mode whose bottleneck
    :func:`supports` computes its features with :func:`uper_features`."""
    heads = [m for m in model.modules()
             if isinstance(m, UPerHead) and not m.training and supports(m)
             and '_forward_feature' not in vars(m)]  # not already, nested
    for head in heads:
        head._forward_feature = functools.partial(uper_features, head)
    try:
        yield
    finally:
        for head in heads:
            del head._forward_feature


def supports(head):
    """Whether ``head.fpn_bottleneck`` is the plain conv -> norm -> act the
    factorisation reproduces (stride 1, no groups, zero padding)."""
    block = head.fpn_bottleneck
    conv = getattr(block, 'conv', None)
    return (type(conv).__name__ == 'Conv2d'
            and tuple(block.order) == ('conv', 'norm', 'act')
            and not block.with_explicit_padding
            and conv.stride == (1, 1) and conv.groups == 1
            and conv.padding_mode == 'zeros'
            and not isinstance(conv.padding, str))


def uper_features(head, inputs):
    """``UPerHead._forward_feature`` with the bottleneck factorised (module
    docstring): ``(N, channels, H, W)`` at the finest level's size."""
    inputs = head._transform_inputs(inputs)
    laterals = [conv(inputs[i]) for i, conv in enumerate(head.lateral_convs)]
    laterals.append(head.psp_forward(inputs))
    for i in range(len(laterals) - 1, 0, -1):  # top-down path
        laterals[i - 1] = laterals[i - 1] + F.interpolate(
            laterals[i], size=laterals[i - 1].shape[2:], mode='bilinear',
            align_corners=head.align_corners)
    levels = [conv(laterals[i]) for i, conv in enumerate(head.fpn_convs)]
    levels.append(laterals[-1])
    block = head.fpn_bottleneck
    x = upsampled_conv(levels, block.conv, head.align_corners)
    if block.with_norm:
        x = block.norm(x)
    if block.with_activation:
        x = block.activate(x)
    return x


def upsampled_conv(levels, conv, align_corners):
    """``conv`` of the channel concatenation of ``levels``, each resized
    bilinearly to the first one's size, without resizing the coarse ones."""
    size = levels[0].shape[2:]
    fine = [x for x in levels if x.shape[2:] == size]  # resizing: identity
    weights = torch.split(conv.weight, [x.shape[1] for x in levels], dim=1)
    fine_weight = torch.cat([w for w, x in zip(weights, levels)
                             if x.shape[2:] == size], dim=1)
    out = F.conv2d(torch.cat(fine, 1), fine_weight, conv.bias, 1,
                   conv.padding, conv.dilation)
    for x, weight in zip(levels, weights):
        if x.shape[2:] != size:
            out += _coarse_conv(x, weight, conv, out.shape[2:], size,
                                align_corners)
    return out


def _coarse_conv(x, weight, conv, out_size, up_size, align_corners):
    """``conv2d(resize(x, up_size), weight)`` (no bias) computed at ``x``'s
    resolution: per tap, channels mixed there, then upsampled by the
    tap-shifted interpolation matrices of each axis."""
    n, c, h, w = x.shape
    o, _, kh, kw = weight.shape
    taps = weight.permute(2, 3, 0, 1).reshape(kh * kw * o, c)
    z = torch.matmul(taps, x.reshape(n, c, h * w))  # (N, kh*kw*O, h*w)
    z = z.view(n, kh, kw, o, h, w)
    along_x = _axis_matrices(w, up_size[1], out_size[1], kw, conv, 1,
                             align_corners, x)  # (kw, W_out, w)
    along_y = _axis_matrices(h, up_size[0], out_size[0], kh, conv, 0,
                             align_corners, x)  # (kh, H_out, h)
    z = torch.einsum('nyxohw,xXw->nyohX', z, along_x)
    return torch.einsum('yYh,nyohX->noYX', along_y, z)


def _axis_matrices(n_in, n_up, n_out, taps, conv, axis, align_corners, like):
    """``(taps, n_out, n_in)``: for each kernel tap along ``axis``, output
    row ``i`` of the convolution reads upsampled row ``i + shift`` (zero
    outside), and that row is this mix of the ``n_in`` coarse rows."""
    impulses = torch.eye(n_in, dtype=like.dtype, device=like.device)[None]
    up = F.interpolate(impulses, size=n_up, mode='linear',
                       align_corners=align_corners)[0].T  # (n_up, n_in)
    mats = like.new_zeros(taps, n_out, n_in)
    for tap in range(taps):
        shift = tap * conv.dilation[axis] - conv.padding[axis]
        lo, hi = max(0, -shift), min(n_out, n_up - shift)
        if hi > lo:
            mats[tap, lo:hi] = up[lo + shift:hi + shift]
    return mats
