import numpy as np
import pytest
import torch
from mmengine.registry import DefaultScope
from mmpose.codecs import MSRAHeatmap

from farl_mm.models.heads import UPerHeatmapHead

CODEC = dict(type='MSRAHeatmap', input_size=(64, 64), heatmap_size=(16, 16),
             sigma=1.0, unbiased=True, blur_kernel_size=11)


def _head(**kwargs):
    return UPerHeatmapHead(in_channels=[8] * 4, out_channels=5,
                           heatmap_size=(16, 16), channels=8,
                           pool_scales=(1, 2), decoder=CODEC, **kwargs)


def _feats(batch=2):
    return [torch.randn(batch, 8, s, s) for s in (8, 4, 2, 1)]


def test_builds_in_mmpose_scope_and_resizes_to_heatmap_size():
    from mmpose.registry import MODELS
    with DefaultScope.overwrite_default_scope('mmpose'):
        head = MODELS.build(dict(
            type='farl_mm.UPerHeatmapHead', in_channels=[8] * 4,
            out_channels=5, heatmap_size=(16, 16), channels=8,
            pool_scales=(1, 2), decoder=CODEC))
    assert type(head.loss_module).__name__ == 'HeatmapSoftmaxCELoss'
    assert head(_feats()).shape == (2, 5, 16, 16)  # UperNet gives 8x8


@pytest.mark.parametrize('activation', ['softmax', 'sigmoid'])
def test_codec_encode_decode_through_the_head_below_0p1_pixel(activation):
    """Logits whose activation is the codec's target decode back to the
    landmarks within 0.1 heatmap pixel (1-pixel sigma, sub-pixel DARK)."""
    codec = MSRAHeatmap(**{k: v for k, v in CODEC.items() if k != 'type'})
    kpts = np.random.default_rng(0).uniform(8, 56, (1, 5, 2))
    target = torch.from_numpy(codec.encode(kpts)['heatmaps'])[None]
    assert 0 <= target.min() and target.max() <= 1
    if activation == 'softmax':
        logits = target.clamp(min=1e-8).log()
    else:
        logits = torch.logit(target.clamp(1e-6, 1 - 1e-6))
    loss = dict(softmax='farl_mm.HeatmapSoftmaxCELoss',
                sigmoid='farl_mm.HeatmapBCECoordLoss')[activation]
    head = _head(loss=dict(type=loss))
    assert head.heatmap_activation == activation  # taken from the loss
    pred = head.decode(logits)[0]
    error = np.abs(pred.keypoints - kpts).max() / 4  # 64 px -> 16 px
    assert error < 0.1
    # scores are the activated maps' peaks, not a constant
    maps = target if activation == 'sigmoid' else (
        target / target.sum((-2, -1), keepdim=True))
    np.testing.assert_allclose(pred.keypoint_scores,
                               maps.flatten(2).amax(-1).numpy(), rtol=1e-4)
    assert np.ptp(pred.keypoint_scores) > 1e-3


def test_decoding_with_another_activation_than_the_loss_is_refused():
    with pytest.raises(ValueError, match='HeatmapSoftmaxCELoss trains'):
        _head(heatmap_activation='sigmoid')
    with pytest.raises(ValueError, match='HeatmapBCECoordLoss trains'):
        _head(heatmap_activation='softmax',
              loss=dict(type='farl_mm.HeatmapBCECoordLoss'))


def test_loss_trains_towards_the_target():
    torch.manual_seed(0)
    head = _head()
    feats = _feats(2)  # BN in the PPM needs two samples
    codec = MSRAHeatmap(**{k: v for k, v in CODEC.items() if k != 'type'})
    enc = codec.encode(np.array([[[20.0, 30.0]] * 5]))
    from mmengine.structures import InstanceData, PixelData
    from mmpose.structures import PoseDataSample
    sample = PoseDataSample(
        gt_fields=PixelData(heatmaps=torch.from_numpy(enc['heatmaps'])),
        gt_instance_labels=InstanceData(keypoint_weights=torch.ones(1, 5)))
    opt = torch.optim.Adam(head.parameters(), lr=1e-2)
    losses = []
    for _ in range(30):
        loss = head.loss(feats, [sample, sample])
        opt.zero_grad()
        loss['loss_kpt'].backward()
        opt.step()
        losses.append(loss['loss_kpt'].item())
    assert set(loss) == {'loss_kpt', 'acc_pose'}
    # soft-label CE is bounded below by the target's entropy
    label = sample.gt_fields.heatmaps.flatten(1)
    label = label / label.sum(-1, keepdim=True)
    entropy = -(label * label.clamp(min=1e-12).log()).sum(-1).mean().item()
    assert losses[-1] - entropy < 0.2 * (losses[0] - entropy)
    head.eval()
    with torch.no_grad():
        pred = head.predict(feats, [sample, sample])[0].keypoints
    assert np.abs(pred - [20.0, 30.0]).max() < 1.0  # input pixels
    with pytest.raises(ValueError, match='heatmap_activation'):
        _head(heatmap_activation='relu')


def test_dropout_before_the_output_conv_as_the_authors():
    """UperNet's 0.1 dropout (the authors' alignment head) is on by
    default, acts in training only, and can be switched off."""
    torch.manual_seed(0)
    head, feats = _head(), _feats()
    assert head.fusion.dropout.p == 0.1
    head.train()
    assert not torch.equal(head(feats), head(feats))  # a new mask each time
    head.eval()
    torch.testing.assert_close(head(feats), head(feats), rtol=0, atol=0)
    assert _head(dropout_ratio=0.0).fusion.dropout is None
