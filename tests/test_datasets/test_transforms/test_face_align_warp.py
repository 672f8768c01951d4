"""farl_mm.datasets.transforms.face_align_warp: the map of parsing
(jitter, tanh warp, labels) and of attributes (alpha 0, landmark noise)."""
import cv2
import numpy as np
import pytest
from mmseg.registry import TRANSFORMS

from farl_mm.datasets import LaPaDataset
from farl_mm.synthetic import SyntheticFaceGenerator
from farl_mm.datasets.transforms import FaceAlignWarp
from farl_mm.geometry import (FaceWarp, align_matrix, jitter_matrix,
                              mean_face_points)

LAPA_PAIRS = LaPaDataset.METAINFO['flip_pairs']


@pytest.fixture(scope='module')
def face():
    return SyntheticFaceGenerator(size=96, seed=0).sample(5)


def warp_sample(face, **kwargs):
    results = dict(img=face.image.copy(), gt_seg_map=face.parsing.copy(),
                   seg_fields=['gt_seg_map'],
                   face_points=face.landmarks('5').astype(np.float64))
    return FaceAlignWarp(**kwargs)(results)


@pytest.mark.parametrize('alpha', [0.8, 0.0])
def test_warp_then_inverse_returns_every_pixel_within_half_a_pixel(
        face, alpha):
    np.random.seed(3)
    out = warp_sample(face, size=64, alpha=alpha, rotate=18,
                      scale=(0.9, 1.1), shift=0.01)
    warp = FaceWarp(**out['face_warp'])
    h, w = face.image.shape[:2]
    xs, ys = np.meshgrid(np.arange(w), np.arange(h))
    pts = np.stack([xs.ravel(), ys.ravel()], 1).astype(np.float64)
    back = warp.inverse_points(warp.forward_points(pts))
    assert np.abs(back - pts).max() < 0.5


def test_alignment_puts_the_eyes_on_the_mean_face(face):
    out = warp_sample(face, size=224, alpha=0.0)
    eyes = FaceWarp(**out['face_warp']).forward_points(face.landmarks('5'))
    # mean face eyes (196, 226) and (316, 226) on 512, scaled to 224
    template = (np.array([[196, 226], [316, 226]]) / 256 - 1 + 1) * 223 / 2
    np.testing.assert_allclose(eyes[:2], template, atol=4)


def test_image_and_label_get_the_same_jittered_map(face):
    # A label-coloured image: after the same map, colour and label agree
    # wherever bilinear sampling did not mix two classes.
    img = np.repeat(face.parsing[..., None] * 20, 3, axis=2)
    results = dict(img=img, gt_seg_map=face.parsing.copy(),
                   seg_fields=['gt_seg_map'],
                   face_points=face.landmarks('5').astype(np.float64))
    np.random.seed(0)
    out = FaceAlignWarp(size=64, rotate=18, scale=(0.9, 1.1),
                        shift=0.01)(results)
    pure = out['img'][..., 0] % 20 == 0
    agree = out['img'][..., 0][pure] // 20 == out['gt_seg_map'][pure]
    assert pure.mean() > 0.8 and agree.mean() > 0.99
    assert out['img_shape'] == (64, 64)
    # a different draw moves the face: the map really is random
    np.random.seed(1)
    other = FaceAlignWarp(size=64, rotate=18, scale=(0.9, 1.1),
                          shift=0.01)(dict(results, img=img))
    assert not np.allclose(other['face_warp']['matrix'],
                           out['face_warp']['matrix'])


def test_test_mode_keeps_the_label_at_the_original_size(face):
    out = warp_sample(face, size=64, warp_labels=False)
    assert out['img'].shape == (64, 64, 3)
    np.testing.assert_array_equal(out['gt_seg_map'], face.parsing)


def test_without_landmarks_the_whole_image_is_rescaled(face):
    out = FaceAlignWarp(size=48, alpha=0.0)(dict(img=face.image))
    np.testing.assert_allclose(
        FaceWarp(**out['face_warp']).forward_points([[0, 0], [95, 95]]),
        [[0, 0], [47, 47]])


def symmetric(face):
    """Left half of the face, mirrored onto the right with classes swapped
    (written out by hand, independently of the transforms)."""
    img, lab = face.image.copy(), face.parsing.copy()
    w = img.shape[1]
    swap = np.arange(256, dtype=np.uint8)
    swap[[2, 3, 4, 5]] = [3, 2, 5, 4]
    for x in range(w // 2):
        img[:, w - 1 - x] = img[:, x]
        lab[:, w - 1 - x] = swap[lab[:, x]]
    return img, lab


def test_flip_swaps_left_and_right_classes(face):
    """mmseg's RandomFlip with LaPa's pairs, as the configs use it."""
    img, lab = symmetric(face)
    assert set(np.unique(lab)) >= {2, 3, 4, 5}

    def flip(pairs):
        flipper = TRANSFORMS.build(
            dict(type='mmseg.RandomFlip', prob=1.0, swap_seg_labels=pairs))
        return flipper(dict(
            img=img.copy(), gt_seg_map=lab.copy(),
            seg_fields=['gt_seg_map']))

    out = flip(LAPA_PAIRS)
    np.testing.assert_array_equal(out['img'], img)
    np.testing.assert_array_equal(out['gt_seg_map'], lab)
    assert (flip(None)['gt_seg_map'] != lab).any()  # no swap: wrong sides


def _blob_image(points, shape=(180, 200)):
    img = np.zeros(shape, np.float32)
    for x, y in points:
        cv2.circle(img, (int(round(x)), int(round(y))), 3, 1.0, -1)
    return cv2.GaussianBlur(img, (0, 0), 2.0)


def test_landmarks_land_on_the_mean_face():
    # Source points: the template under a known similarity (rotation 25 deg,
    # scale 0.45, shift), so an exact alignment exists.
    t = np.deg2rad(25)
    rot = 0.45 * np.array([[np.cos(t), -np.sin(t)], [np.sin(t), np.cos(t)]])
    src = mean_face_points(200) @ rot.T + [40, 30]
    out = FaceAlignWarp(size=96, alpha=0.0)(
        dict(img=_blob_image(src), face_points=src, img_path='x.jpg'))
    assert out['img'].shape == (96, 96)
    assert out['img_shape'] == (96, 96)
    found = []
    for x, y in mean_face_points(96):
        x0, y0 = int(round(x)) - 4, int(round(y)) - 4
        patch = out['img'][y0:y0 + 9, x0:x0 + 9]
        dy, dx = np.unravel_index(patch.argmax(), patch.shape)
        found.append((x0 + dx, y0 + dy))
    np.testing.assert_allclose(found, mean_face_points(96), atol=1.0)
    np.testing.assert_allclose(
        FaceWarp(**out['face_warp']).forward_points(src[:1])[0],
        mean_face_points(96)[0], atol=1e-6)


def test_landmark_noise_and_missing_landmarks():
    src = mean_face_points(64)
    img = np.random.default_rng(0).random((64, 64)).astype(np.float32)
    np.random.seed(0)
    noisy = FaceAlignWarp(size=64, alpha=0.0, landmark_noise_var=5.0)(
        dict(img=img, face_points=src))['face_warp']['matrix']
    clean = FaceAlignWarp(size=64, alpha=0.0)(
        dict(img=img, face_points=src))['face_warp']['matrix']
    np.testing.assert_allclose(clean, np.eye(3), atol=1e-9)
    assert not np.allclose(noisy, np.eye(3), atol=1e-3)
    # variance 5 px²: the same draw with standard deviation sqrt(5)
    np.random.seed(0)
    shifted = src + np.random.normal(0.0, np.sqrt(5.0), src.shape)
    np.testing.assert_allclose(noisy, align_matrix(shifted, 64), atol=1e-9)
    required = FaceAlignWarp(require_points=True)
    with pytest.raises(KeyError, match="a.jpg: no 'face_points'"):
        required(dict(img=img, img_path='a.jpg'))
    # the jitter is drawn after the noise, from the same stream
    np.random.seed(0)
    both = FaceAlignWarp(size=64, alpha=0.0, landmark_noise_var=5.0,
                         rotate=10)(dict(img=img, face_points=src))
    np.random.seed(0)
    shifted = src + np.random.normal(0.0, np.sqrt(5.0), src.shape)
    angle, scale = np.random.uniform(-10, 10), np.random.uniform(1, 1)
    jitter = jitter_matrix(64, angle, scale, np.random.uniform(0, 0, 2))
    np.testing.assert_allclose(both['face_warp']['matrix'],
                               jitter @ align_matrix(shifted, 64), atol=1e-9)
