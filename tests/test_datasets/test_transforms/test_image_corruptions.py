"""farl_mm.datasets.transforms.image_corruptions, and the alignment
configs' corruption steps (mmpretrain's blur among them) on mmpose's
samples."""
import os.path as osp

import cv2
import numpy as np
import pytest
from mmengine.config import Config
from mmpose.registry import TRANSFORMS
from PIL import Image, ImageFilter

from farl_mm.datasets.transforms import RandomGaussianNoise, RandomOcclusion

REPO = osp.dirname(osp.dirname(osp.dirname(osp.dirname(
    osp.abspath(__file__)))))


def _image():
    img = np.zeros((32, 48, 3), np.uint8)
    img[:, 24:] = 200  # one vertical edge
    return img


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


def _corruptions():
    """The AFLW-19 train pipeline's steps between the crop and the
    targets."""
    cfg = Config.fromfile(osp.join(REPO, 'configs', '_base_', 'datasets',
                                   'aflw19_alignment.py'))
    types = [t['type'] for t in cfg.train_pipeline]
    return cfg.train_pipeline[types.index('TopdownAffine') + 1:
                              types.index('GenerateTarget')]


@pytest.fixture
def mmpose_scope():
    """mmpose's scope for the test only (a global one leaks into later
    tests' unscoped builds)."""
    from mmengine.registry import DefaultScope
    with DefaultScope.overwrite_default_scope('mmpose'):
        yield


def test_config_blur_is_mmpretrains_with_the_former_draws(mmpose_scope):
    """p = 0.3 and sigma ~ U(0.5, 2) px, drawn from ``np.random`` in the
    former RandomGaussianBlur's order; PIL's kernel, within 3 grey levels
    of OpenCV's away from the border (which PIL extends, OpenCV
    reflects)."""
    blur_cfg = _corruptions()[0]
    assert blur_cfg['type'] == 'mmpretrain.GaussianBlur'
    blur = TRANSFORMS.build(blur_cfg)
    img = cv2.GaussianBlur(np.random.default_rng(0).integers(
        0, 256, (48, 48, 3), dtype=np.uint8), (0, 0), 1.0)
    blurred = 0
    for seed in range(20):
        np.random.seed(seed)
        out = blur(dict(img=img.copy()))['img']
        np.random.seed(seed)
        if np.random.rand() < 0.3:  # the former draws
            sigma = np.random.uniform(0.5, 2.0)
            expected = np.array(Image.fromarray(img).filter(
                ImageFilter.GaussianBlur(sigma)))
            opencv = cv2.GaussianBlur(img, (0, 0), sigma)
            diff = np.abs(out.astype(int) - opencv)
            assert diff[6:-6, 6:-6].max() <= 3 and diff.mean() < 1.0
            blurred += 1
        else:
            expected = img
        np.testing.assert_array_equal(out, expected)
    assert blurred == 8  # of 20 seeds, at p = 0.3


def test_config_corruptions_touch_only_mmposes_image(mmpose_scope):
    steps = [TRANSFORMS.build(dict(t, prob=1.0)) for t in _corruptions()]
    assert [type(t).__name__ for t in steps] == [
        'GaussianBlur', 'RandomGaussianNoise', 'RandomOcclusion']
    img = np.full((64, 64, 3), 128, np.uint8)
    keypoints = np.random.default_rng(0).random((1, 19, 2)) * 64
    results = dict(img=img.copy(), keypoints=keypoints.copy(),
                   keypoints_visible=np.ones((1, 19)), img_shape=(64, 64),
                   input_size=(64, 64))
    np.random.seed(0)
    for step in steps:
        results = step(results)
    assert results['img'].shape == img.shape
    assert (results['img'] != img).any()
    np.testing.assert_array_equal(results['keypoints'], keypoints)
