import numpy as np
import pytest
import torch
from mmengine.config import ConfigDict
from mmseg.structures import SegDataSample

from farl_mm.synthetic import SyntheticFaceGenerator
from farl_mm.datasets.transforms import FaceAlignWarp
from farl_mm.geometry import FaceWarp
from farl_mm.registry import MODELS

PAIRS = [[2, 3], [4, 5]]


def tiny_parser(**test_cfg):
    torch.manual_seed(0)
    return MODELS.build(dict(
        type='farl_mm.FaceParser',
        backbone=dict(type='farl_mm.FaRLViT', arch='tiny', img_size=32,
                      patch_size=8),
        neck=dict(type='mmseg.MultiLevelNeck', in_channels=[64] * 4,
                  out_channels=16, scales=[4, 2, 1, 0.5]),
        decode_head=dict(
            type='mmseg.UPerHead', in_channels=[16] * 4,
            in_index=[0, 1, 2, 3], channels=16, num_classes=11,
            norm_cfg=dict(type='BN'),
            loss_decode=dict(type='mmseg.CrossEntropyLoss')),
        test_cfg=ConfigDict(mode='whole', **test_cfg))).eval()


def sample(**meta):
    return SegDataSample(metainfo=meta)


def warp(face, landmarks=True, alpha=0.8):
    np.random.seed(0)
    results = dict(img=face.image, gt_seg_map=face.parsing,
                   seg_fields=['gt_seg_map'])
    if landmarks:  # LaPa; without: CelebAMask-HQ's plain rescale
        results['face_points'] = face.landmarks('5').astype(np.float64)
    return FaceAlignWarp(size=48, alpha=alpha, rotate=18, scale=(0.9, 1.1),
                         shift=0.01)(results)


@pytest.fixture(scope='module')
def warped_face():
    face = SyntheticFaceGenerator(size=80, seed=0).sample(2)
    return face, warp(face)


@pytest.mark.parametrize('landmarks,alpha', [(True, 0.8), (False, 0.0)],
                         ids=['lapa', 'celebamask-hq'])
def test_logits_come_back_on_the_original_pixel_grid(warped_face, landmarks,
                                                     alpha):
    """A linear logit (the canvas x / y coordinate) is sampled exactly by
    bilinear interpolation: after the inverse map, each original pixel must
    hold where the forward map sent it. A half-pixel slip shows as 0.5."""
    face = warped_face[0]
    out = warp(face, landmarks, alpha)
    size = 48
    axis = torch.arange(size, dtype=torch.float64)
    ys, xs = torch.meshgrid(axis, axis, indexing='ij')
    logits = torch.stack([xs, ys])[None]
    meta = dict(face_warp=out['face_warp'], ori_shape=face.parsing.shape,
                img_shape=(size, size))
    result = tiny_parser().postprocess_result(logits, [sample(**meta)])[0]
    got = result.seg_logits.data.numpy()  # (2, H, W)
    h, w = face.parsing.shape
    gx, gy = np.meshgrid(np.arange(w), np.arange(h))
    expected = FaceWarp(**out['face_warp']).forward_points(
        np.stack([gx.ravel(), gy.ravel()], 1)).reshape(h, w, 2)
    inside = ((expected >= 0) & (expected <= size - 1)).all(-1)
    assert inside.mean() > 0.5  # alpha 0 crops what the jitter moved out
    np.testing.assert_allclose(got.transpose(1, 2, 0)[inside],
                               expected[inside], atol=1e-6)
    assert result.pred_sem_seg.data.shape == (1, h, w)


def test_warped_labels_come_back_as_the_original_labels(warped_face):
    face, out = warped_face
    onehot = torch.nn.functional.one_hot(
        torch.from_numpy(out['gt_seg_map']).long(), 11).permute(2, 0, 1)
    meta = dict(face_warp=out['face_warp'], ori_shape=face.parsing.shape,
                img_shape=(48, 48))
    pred = tiny_parser().postprocess_result(
        onehot[None].float(), [sample(**meta)])[0].pred_sem_seg.data[0]
    # two nearest/bilinear resamplings through a 48-px canvas: only thin
    # boundary pixels may change
    assert (pred.numpy() == face.parsing).mean() > 0.9


def test_flip_tta_swaps_left_and_right_channels():
    """For a mirror-symmetric input the flip-averaged prediction must be
    symmetric up to the left/right class swap, whatever the weights."""
    x = torch.randn(1, 3, 32, 32)
    x = x + x.flip(-1)
    meta = dict(img_shape=(32, 32), ori_shape=(32, 32), pad_shape=(32, 32))
    model = tiny_parser(flip=True, flip_pairs=PAIRS)
    with torch.no_grad():
        model.decode_head.conv_seg.bias[2:6] += 3.0  # predict the eyes/brows
        logits = model.predict(x, [sample(**meta)])[0].seg_logits.data
    order = [0, 1, 3, 2, 5, 4, 6, 7, 8, 9, 10]
    torch.testing.assert_close(logits, logits.flip(-1)[order])
    pred = logits.argmax(0)
    assert (pred == 2).any() and (pred == 3).any()
    # mmseg-style averaging without the swap is not swap-symmetric
    plain = tiny_parser(flip=True)
    with torch.no_grad():
        plain.decode_head.conv_seg.bias[2:6] += 3.0
        bad = plain.predict(x, [sample(**meta)])[0].seg_logits.data
    assert not torch.allclose(bad, bad.flip(-1)[order])



def test_inference_factorises_the_uperhead_bottleneck():
    """Test-time logits are mmseg's EncoderDecoder's, computed with fewer
    FLOPs (farl_mm.models.heads.uper_inference): 15.4 -> 13.0 MFLOP here."""
    from mmseg.models.segmentors import EncoderDecoder
    from torch.utils.flop_counter import FlopCounterMode
    model = tiny_parser()
    x = torch.randn(1, 3, 32, 32, generator=torch.Generator().manual_seed(0))
    meta = [dict(img_shape=(32, 32), ori_shape=(32, 32), pad_shape=(32, 32))]
    logits, flops = {}, {}
    for name, inference in (('mmseg', EncoderDecoder.inference),
                            ('farl_mm', type(model).inference)):
        counter = FlopCounterMode(display=False)
        with torch.no_grad(), counter:
            logits[name] = inference(model, x, meta)
        flops[name] = counter.get_total_flops()
    torch.testing.assert_close(logits['farl_mm'], logits['mmseg'],
                               atol=1e-5, rtol=0)
    assert flops['farl_mm'] < 0.9 * flops['mmseg'], flops
