"""FaRL's face alignment head: UperNet fusion -> one heatmap per landmark.

Paper §4.1: the four-level pyramid of blocks 4/6/8/12 goes through UperNet
(PPM on the coarsest level + FPN fusion), whose logits are the heatmaps.
Everything but the forward pass is mmpose's :class:`HeatmapHead` (loss,
accuracy, flip test, decoding with its codec); the fusion is mmseg's
:class:`UPerHead` with one output channel per landmark.
"""
from typing import Sequence

import torch.nn.functional as F
from mmpose.models.heads import HeatmapHead
from mmseg.models.decode_heads import UPerHead

from farl_mm.registry import MODELS


@MODELS.register_module()
class UPerHeatmapHead(HeatmapHead):
    """UperNet heatmap head for top-down face alignment.

    Args:
        in_channels (Sequence[int]): Channels of each pyramid level.
        out_channels (int): Number of landmarks.
        heatmap_size (tuple[int, int]): ``(W, H)`` of the output; UperNet's
            map (the finest level's size) is resized bilinearly to it, e.g.
            56 -> 128 for 224 px inputs with a x4 finest level.
        channels (int): Width of UperNet's fusion.
        pool_scales (Sequence[int]): PPM bin sizes.
        dropout_ratio (float): Dropout before the 1x1 output conv; 0.1 as
            mmseg's UPerHead and the authors' alignment head.
        norm_cfg (dict, optional): Norm of UperNet's convolutions; BN by
            default.
        heatmap_activation (str, optional): How logits become the maps the
            codec decodes: ``'softmax'`` (spatial) or ``'sigmoid'``. By
            default the one the loss trains (its ``activation``:
            ``HeatmapSoftmaxCELoss`` softmax, ``HeatmapBCECoordLoss``
            sigmoid); a different one is refused.
        loss (dict, optional): Heatmap loss; the paper's soft-label
            cross-entropy (``farl_mm.HeatmapSoftmaxCELoss``) by default.
        decoder (dict, optional): mmpose codec used to decode predictions.
        init_cfg (dict, optional): Initialisation; UperNet's own by default.
    """

    def __init__(self,
                 in_channels: Sequence[int],
                 out_channels: int,
                 heatmap_size=(128, 128),
                 channels=512,
                 pool_scales=(1, 2, 3, 6),
                 dropout_ratio=0.1,
                 norm_cfg=None,
                 heatmap_activation=None,
                 loss=None,
                 decoder=None,
                 init_cfg=None):
        super().__init__(
            in_channels=in_channels, out_channels=out_channels,
            deconv_out_channels=None, conv_out_channels=None,
            final_layer=None,
            loss=loss or dict(type='farl_mm.HeatmapSoftmaxCELoss'),
            decoder=decoder,
            init_cfg=init_cfg or [])
        self.heatmap_size = tuple(heatmap_size)
        trained = getattr(self.loss_module, 'activation', None)
        heatmap_activation = heatmap_activation or trained or 'softmax'
        if heatmap_activation not in ('softmax', 'sigmoid'):
            raise ValueError('heatmap_activation must be softmax or sigmoid, '
                             f'got {heatmap_activation!r}')
        if trained not in (None, heatmap_activation):
            raise ValueError(
                f'heatmap_activation={heatmap_activation!r} but the loss '
                f'{type(self.loss_module).__name__} trains {trained} maps: '
                'decoding would read maps the loss never shaped')
        self.heatmap_activation = heatmap_activation
        # mmseg's head builds its (unused) loss from the current default
        # scope's registry: name mmseg's explicitly.
        self.fusion = UPerHead(
            in_channels=list(in_channels), channels=channels,
            num_classes=out_channels, in_index=list(range(len(in_channels))),
            pool_scales=pool_scales, dropout_ratio=dropout_ratio,
            norm_cfg=norm_cfg or dict(type='BN', requires_grad=True),
            align_corners=False,
            loss_decode=dict(type='mmseg.CrossEntropyLoss'))

    def forward(self, feats):
        """``(B, C_i, H_i, W_i)`` levels -> ``(B, K, H, W)`` logits."""
        logits = self.fusion(list(feats))
        w, h = self.heatmap_size
        if logits.shape[-2:] != (h, w):
            logits = F.interpolate(
                logits, size=(h, w), mode='bilinear', align_corners=False)
        return logits

    def decode(self, batch_outputs):
        """Decode activated maps (the codec's refinement takes their log),
        so a landmark's score is its map's peak: the sigmoid's, or the
        softmax's share of the mass on the best pixel."""
        if self.heatmap_activation == 'softmax':
            maps = batch_outputs.flatten(2).softmax(-1).view_as(batch_outputs)
        else:
            maps = batch_outputs.sigmoid()
        return super().decode(maps)
