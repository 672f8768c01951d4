from .block_mask import BlockMaskGenerator
from .clip_random_crop import CLIPRandomCrop
from .clip_tokenize import CLIPTokenize, CLIPTokenizer
from .face_align_crop import FaceAlignCrop
from .face_alignment import (RandomGaussianBlur, RandomGaussianNoise,
                             RandomOcclusion)
from .face_attributes import AlignFaceByLandmarks
from .face_parsing import FaceAlignWarp, LoadFaceLandmarks

__all__ = [
    'BlockMaskGenerator', 'CLIPRandomCrop', 'CLIPTokenize', 'CLIPTokenizer',
    'FaceAlignCrop', 'RandomGaussianBlur', 'RandomGaussianNoise',
    'RandomOcclusion', 'AlignFaceByLandmarks', 'FaceAlignWarp',
    'LoadFaceLandmarks'
]
