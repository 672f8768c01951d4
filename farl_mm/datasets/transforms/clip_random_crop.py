"""CLIP's training crop: the crop of FaRL pretraining without ALIGN."""
from mmcv.transforms import BaseTransform
from mmpretrain.datasets.transforms import RandomCrop, ResizeEdge

from ...registry import TRANSFORMS


@TRANSFORMS.register_module()
class CLIPRandomCrop(BaseTransform):
    """A random ``size`` square crop of the image resized so its shorter
    side is ``size``.

    "A random square crop from resized images is the only data augmentation
    used during training" (CLIP, §2.5); FaRL's Table 3 rows without ALIGN
    crop this way. Unlike ``RandomResizedCrop`` (area 8-100%, aspect 3/4 to
    4/3, then stretched) it keeps the scale and the aspect of the picture:
    the crop is a window of the resized image spanning its shorter side.
    mmpretrain's ``ResizeEdge`` and ``RandomCrop`` (offsets from
    ``np.random``) do the work.

    Args:
        size (int): Side of the crop and of the resized shorter edge.
        interpolation (str): Resize interpolation (CLIP: bicubic).
    """

    def __init__(self, size=224, interpolation='bicubic'):
        self.size = size
        self.resize = ResizeEdge(scale=size, edge='short',
                                 interpolation=interpolation)
        self.crop = RandomCrop(crop_size=size)

    def transform(self, results):
        return self.crop(self.resize(results))

    def __repr__(self):
        return f'{type(self).__name__}(size={self.size})'
