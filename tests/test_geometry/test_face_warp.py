import cv2
import numpy as np
import pytest
import torch

from farl_mm.synthetic import SyntheticFaceGenerator
from farl_mm.geometry import FaceWarp, align_matrix, tanh_unwarp, tanh_warp


@pytest.mark.parametrize('alpha', [0.0, 0.3, 0.8, 1.0])
def test_tanh_warp_matches_the_appendix_and_inverts(alpha):
    c = np.linspace(-2.5, 2.5, 1001)
    warped = tanh_warp(c, alpha)
    if alpha:
        a = alpha
        expect = np.where(
            c > 1 - a, a * np.tanh((c - 1 + a) / a) + 1 - a,
            np.where(c < -1 + a, a * np.tanh((c + 1 - a) / a) - 1 + a, c))
        np.testing.assert_allclose(warped, expect)
        assert np.abs(warped).max() < 1
    # the inverse clamps artanh's argument at 1 - 1e-3: exact up to there
    limit = 1 - alpha + alpha * np.arctanh(1 - 1e-3) if alpha else np.inf
    keep = np.abs(c) < limit
    np.testing.assert_allclose(tanh_unwarp(warped, alpha)[keep], c[keep],
                               atol=1e-9)
    assert (np.abs(tanh_unwarp(warped, alpha)) <= limit + 1e-12).all()
    # same numbers through torch
    np.testing.assert_allclose(
        tanh_warp(torch.from_numpy(c), alpha).numpy(), warped)


def _face(size=256, index=3):
    sample = SyntheticFaceGenerator(size, 0).sample(index)
    return sample, align_matrix(sample.landmarks('5'), 224)


@pytest.mark.parametrize('alpha', [0.0, 0.8])
def test_every_in_image_pixel_survives_warp_and_inverse_warp(alpha):
    """Predictions made on the warped canvas and mapped back land within half
    a pixel of where they came from (the half-pixel bug facer#13 shipped)."""
    sample, mat = _face()
    warp = FaceWarp(mat, 224, alpha)
    height, width = sample.image.shape[:2]
    xs, ys = np.meshgrid(np.arange(width), np.arange(height))
    pts = np.stack([xs.ravel(), ys.ravel()], 1).astype(np.float64)
    out = warp.forward_points(pts)
    np.testing.assert_allclose(warp.inverse_points(out), pts, atol=1e-6)
    # a "logit" map holding, per output pixel, the source coordinates it
    # sampled; unwarped bilinearly it must give every pixel its own position
    oxs, oys = np.meshgrid(np.arange(224), np.arange(224))
    src = warp.inverse_points(np.stack([oxs.ravel(), oys.ravel()], 1))
    logits = torch.from_numpy(src.reshape(224, 224, 2)).permute(2, 0, 1)
    back = warp.unwarp_logits(logits[None].float(), (height, width))[0]
    err = (back.permute(1, 2, 0).numpy() - np.stack([xs, ys], -1))
    on_canvas = ((out >= 0) & (out <= 223)).all(1).reshape(height, width)
    assert on_canvas.mean() > (0.99 if alpha else 0.3)
    assert np.abs(err[on_canvas]).max() < 0.5


def test_warped_labels_keep_their_classes_and_the_face_is_centred():
    sample, mat = _face()
    warp = FaceWarp(mat, 224, 0.8)
    label = warp.warp_image(sample.parsing, interpolation='nearest')
    assert label.shape == (224, 224) and label.dtype == sample.parsing.dtype
    assert set(np.unique(label)) <= set(np.unique(sample.parsing))
    # the nose (class 6) sits near the template's nose tip (256,286)/512
    ys, xs = np.nonzero(label == 6)
    assert abs(xs.mean() - 112) < 10 and abs(ys.mean() - 125) < 15
    image = warp.warp_image(sample.image)
    assert image.shape == (224, 224, 3)


def test_plain_crop_takes_the_affine_shortcut_to_the_same_pixels():
    sample, mat = _face(size=512)
    warp = FaceWarp(mat, 224, 0.0)
    fast = warp.warp_image(sample.image).astype(int)
    exact = warp._remap(sample.image, cv2.INTER_LINEAR, 0).astype(int)
    # OpenCV's warpAffine rounds positions to 1/32 px: a few edge pixels
    assert np.abs(fast - exact).mean() < 0.02
    assert (np.abs(fast - exact) > 2).mean() < 1e-3
    labels = warp.warp_image(sample.parsing, interpolation='nearest')
    exact = warp._remap(sample.parsing, cv2.INTER_NEAREST, 0)
    assert (labels != exact).mean() < 1e-3


def test_alpha_outside_unit_interval_is_refused():
    with pytest.raises(ValueError, match='alpha'):
        FaceWarp(np.eye(3), 224, alpha=1.5)
