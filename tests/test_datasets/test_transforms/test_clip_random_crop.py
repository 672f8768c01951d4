"""CLIPRandomCrop: a square window of the image resized on its shorter
side, as CLIP (and FaRL without ALIGN) crop; the ablation configs use it."""
import os.path as osp

import cv2
import numpy as np
import pytest
from mmengine.config import Config

from farl_mm.datasets.transforms import CLIPRandomCrop, FaceAlignCrop
from farl_mm.registry import TRANSFORMS

REPO = osp.dirname(osp.dirname(osp.dirname(osp.dirname(
    osp.abspath(__file__)))))
ABLATIONS = osp.join(REPO, 'configs', 'farl', 'ablations')


def window_offset(crop, resized):
    """Where ``crop`` lies in ``resized`` as a whole-height or whole-width
    window; None if it is no such window."""
    (h, w), (rh, rw) = crop.shape[:2], resized.shape[:2]
    for y in range(rh - h + 1):
        for x in range(rw - w + 1):
            if np.array_equal(resized[y:y + h, x:x + w], crop):
                return y, x
    return None


@pytest.mark.parametrize('hw', [(90, 120), (120, 90)])
def test_crop_is_a_window_of_the_short_side_resize(hw):
    img = np.random.default_rng(0).integers(0, 255, (*hw, 3), np.uint8)
    size = 32
    long_side = int(max(hw) * size / min(hw))  # 42: aspect kept (floored)
    resized = cv2.resize(img, (long_side, size) if hw[0] < hw[1] else
                         (size, long_side), interpolation=cv2.INTER_CUBIC)
    transform = CLIPRandomCrop(size=size)
    offsets = set()
    for seed in range(8):
        np.random.seed(seed)
        out = transform(dict(img=img.copy(), img_shape=hw))
        assert out['img'].shape == (size, size, 3)
        offset = window_offset(out['img'], resized)
        assert offset is not None, 'not a window of the resized image'
        offsets.add(offset)
    # the window spans the shorter side and moves along the longer one
    assert {o[hw.index(min(hw))] for o in offsets} == {0}
    assert len(offsets) > 1


def test_no_align_ablations_and_the_align_fallback_crop_as_clip():
    for name in ('farl_vit-b16_itc.py', 'farl_vit-b16_itc_mim1.py',
                 'farl_vit-b16_itc_mim6.py'):
        cfg = Config.fromfile(osp.join(ABLATIONS, name))
        crop = cfg.train_dataloader.dataset.pipeline[0]
        assert crop == dict(type='farl_mm.CLIPRandomCrop', size=224), name
        assert isinstance(TRANSFORMS.build(crop), CLIPRandomCrop)
    # ALIGN's images without a confident face get the same crop
    assert isinstance(FaceAlignCrop(size=224).fallback, CLIPRandomCrop)
