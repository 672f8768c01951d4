import cv2
import numpy as np
import pytest

from farl_mm.datasets.transforms import AlignFaceByLandmarks
from farl_mm.geometry import align_matrix, mean_face_points


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
    out = AlignFaceByLandmarks(size=96)(
        dict(img=_blob_image(src), landmarks5=src, img_path='x.jpg'))
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
        out['align_matrix'][:2, :2] @ src[0] + out['align_matrix'][:2, 2],
        mean_face_points(96)[0], atol=1e-6)


def test_landmark_noise_and_missing_landmarks():
    src = mean_face_points(64)
    img = np.random.default_rng(0).random((64, 64)).astype(np.float32)
    np.random.seed(0)
    noisy = AlignFaceByLandmarks(size=64, landmark_noise_var=5.0)(
        dict(img=img, landmarks5=src))
    clean = AlignFaceByLandmarks(size=64)(dict(img=img, landmarks5=src))
    np.testing.assert_allclose(clean['align_matrix'], np.eye(3), atol=1e-9)
    assert not np.allclose(noisy['align_matrix'], np.eye(3), atol=1e-3)
    # variance 5 px²: the same draw with standard deviation sqrt(5)
    np.random.seed(0)
    shifted = src + np.random.normal(0.0, np.sqrt(5.0), src.shape)
    np.testing.assert_allclose(noisy['align_matrix'],
                               align_matrix(shifted, 64), atol=1e-9)
    with pytest.raises(KeyError, match="a.jpg: no 'landmarks5'"):
        AlignFaceByLandmarks()(dict(img=img, img_path='a.jpg'))
