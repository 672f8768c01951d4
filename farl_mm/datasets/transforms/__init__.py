from .block_mask import BlockMaskGenerator
from .clip_random_crop import CLIPRandomCrop
from .clip_tokenize import CLIPTokenize
from .face_align_crop import FaceAlignCrop
from .face_align_warp import FaceAlignWarp
from .image_corruptions import RandomGaussianNoise, RandomOcclusion
from .loading import LoadFaceLandmarks

__all__ = [
    'BlockMaskGenerator', 'CLIPRandomCrop', 'CLIPTokenize',
    'FaceAlignCrop', 'FaceAlignWarp', 'RandomGaussianNoise',
    'RandomOcclusion', 'LoadFaceLandmarks'
]
