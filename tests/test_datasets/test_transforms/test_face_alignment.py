import cv2
import numpy as np

from farl_mm.datasets.transforms import (RandomGaussianBlur,
                                         RandomGaussianNoise, RandomOcclusion)


def _image():
    img = np.zeros((32, 48, 3), np.uint8)
    img[:, 24:] = 200  # one vertical edge
    return img


def test_blur_matches_opencv_and_respects_prob():
    np.random.seed(0)
    out = RandomGaussianBlur(prob=1.0, sigma_range=(1.5, 1.5))(
        dict(img=_image()))['img']
    np.testing.assert_array_equal(
        out, cv2.GaussianBlur(_image(), (0, 0), 1.5))
    kept = RandomGaussianBlur(prob=0.0)(dict(img=_image()))['img']
    np.testing.assert_array_equal(kept, _image())


def test_noise_has_the_drawn_spread():
    np.random.seed(0)
    flat = np.full((200, 200, 3), 128, np.uint8)
    out = RandomGaussianNoise(prob=1.0, std_range=(8.0, 8.0))(
        dict(img=flat))['img']
    assert out.dtype == np.uint8
    assert abs(out.astype(float).std() - 8.0) < 0.3
    assert abs(out.astype(float).mean() - 128) < 0.3


def test_occlusion_paints_one_flat_rectangle_of_the_drawn_area():
    np.random.seed(0)
    img = np.random.randint(0, 256, (64, 64, 3), np.uint8)
    out = RandomOcclusion(prob=1.0, area_range=(0.1, 0.1),
                          aspect_range=(1.0, 1.0))(dict(img=img))['img']
    changed = np.argwhere((out != img).any(-1))
    (y0, x0), (y1, x1) = changed.min(0), changed.max(0)
    assert (y1 - y0 + 1) * (x1 - x0 + 1) == 20 * 20  # sqrt(0.1 * 4096)
    patch = out[y0:y1 + 1, x0:x1 + 1].reshape(-1, 3)
    assert (patch == patch[0]).all()
