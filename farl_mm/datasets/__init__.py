from .celeba import CelebAAttributes
from .celebamask_hq import CelebAMaskHQDataset
from .face_landmarks import (FaRLAFLW19Dataset, FaRLFace300WDataset,
                             FaRLWFLWDataset)
from .fairface import FairFace
from .few_shot import FewShotDataset, few_shot_indices
from .laion_face import LAIONFaceDataset
from .lapa import LaPaDataset
from .lfwa import LFWAAttributes
from .synthetic import *  # noqa: F401,F403
from .transforms import *  # noqa: F401,F403

__all__ = [
    'CelebAAttributes', 'CelebAMaskHQDataset', 'FaRLAFLW19Dataset',
    'FaRLFace300WDataset', 'FaRLWFLWDataset', 'FairFace', 'FewShotDataset',
    'few_shot_indices', 'LAIONFaceDataset', 'LaPaDataset', 'LFWAAttributes'
]
