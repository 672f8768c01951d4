from .celeba import CelebADataset
from .celebamask_hq import CelebAMaskHQDataset
from .face_landmarks import (FaRLAFLW19Dataset, FaRLFace300WDataset,
                             FaRLWFLWDataset)
from .fairface import FairFaceDataset
from .few_shot import few_shot_indices, few_shot_subset
from .laion_face import LAIONFaceDataset
from .lapa import LaPaDataset
from .lfwa import LFWADataset
from .transforms import *  # noqa: F401,F403

__all__ = [
    'CelebADataset', 'CelebAMaskHQDataset', 'FaRLAFLW19Dataset',
    'FaRLFace300WDataset', 'FaRLWFLWDataset', 'FairFaceDataset',
    'few_shot_indices', 'few_shot_subset', 'LAIONFaceDataset', 'LaPaDataset',
    'LFWADataset'
]
