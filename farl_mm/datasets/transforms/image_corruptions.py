"""Image corruptions of FaRL's alignment training (paper appendix).

"Random Gaussian blur, noise and occlusion are also used on the input
images." mmpose's geometric transforms cover the rest; its photometric
ones are either colour jitter or need ``albumentations``; the blur is
mmpretrain's ``GaussianBlur`` (see ``configs/_base_/datasets/
aflw19_alignment.py``). These act on ``results['img']`` only (landmarks
are unaffected) and are meant to run after ``TopdownAffine``, on the crop
the network sees.
"""
import numpy as np
from mmcv.transforms import BaseTransform

from farl_mm.registry import TRANSFORMS


@TRANSFORMS.register_module()
class RandomGaussianNoise(BaseTransform):
    """Add i.i.d. Gaussian noise of random standard deviation.

    Args:
        prob (float): Probability of adding noise.
        std_range (tuple[float, float]): Noise std in 0-255 units, uniform.
    """

    def __init__(self, prob=0.3, std_range=(2.0, 10.0)):
        self.prob = prob
        self.std_range = std_range

    def transform(self, results):
        if np.random.rand() < self.prob:
            img = results['img']
            std = np.random.uniform(*self.std_range)
            noisy = img.astype(np.float32) + np.random.normal(
                0.0, std, img.shape).astype(np.float32)
            results['img'] = np.clip(np.rint(noisy), 0, 255).astype(img.dtype)
        return results


@TRANSFORMS.register_module()
class RandomOcclusion(BaseTransform):
    """Paint one random rectangle with a random flat colour.

    Not mmpretrain's ``RandomErasing``: that fills the rectangle with one
    fixed colour (``mode='const'``) or with per-pixel noise
    (``mode='rand'``), never with a flat colour drawn per sample; its
    offsets also never reach the last row / column
    (``randint(0, H - h)``) and its fill assumes 3 channels.

    Args:
        prob (float): Probability of occluding.
        area_range (tuple[float, float]): Rectangle area as a share of the
            image, uniform.
        aspect_range (tuple[float, float]): Width/height ratio, log-uniform.
    """

    def __init__(self, prob=0.3, area_range=(0.02, 0.15),
                 aspect_range=(0.5, 2.0)):
        self.prob = prob
        self.area_range = area_range
        self.aspect_range = aspect_range

    def transform(self, results):
        if np.random.rand() >= self.prob:
            return results
        img = results['img'].copy()
        h, w = img.shape[:2]
        area = np.random.uniform(*self.area_range) * h * w
        aspect = np.exp(np.random.uniform(*np.log(self.aspect_range)))
        rw = int(min(w, max(1, round(np.sqrt(area * aspect)))))
        rh = int(min(h, max(1, round(np.sqrt(area / aspect)))))
        x0 = np.random.randint(0, w - rw + 1)
        y0 = np.random.randint(0, h - rh + 1)
        img[y0:y0 + rh, x0:x0 + rw] = np.random.randint(
            0, 256, size=img.shape[2:] or ())
        results['img'] = img
        return results
