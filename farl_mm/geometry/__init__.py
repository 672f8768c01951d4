"""Face geometry shared by every task: 5-point alignment and the tanh warp."""
from .alignment import (MEAN_FACE_512, align_matrix, estimate_similarity,
                        jitter_matrix, mean_face_points)
from .face_warp import FaceWarp, tanh_unwarp, tanh_warp

__all__ = [
    'MEAN_FACE_512', 'mean_face_points', 'estimate_similarity', 'align_matrix',
    'jitter_matrix', 'tanh_warp', 'tanh_unwarp', 'FaceWarp'
]
