"""Face geometry shared by every task: 5-point alignment, the tanh warp and
the index maps between landmark layouts."""
from .alignment import (ALIGNMENT_REASONS, MEAN_FACE_512, AlignmentError,
                        align_matrix, check_face_points, estimate_similarity,
                        jitter_matrix, mean_face_points, spread_and_thickness)
from .face_warp import FaceWarp, tanh_unwarp, tanh_warp
from .landmark_layouts import (LAPA106_TO_5, LAPA106_TO_300W68,
                               LAPA106_TO_AFLW19, LAPA106_TO_WFLW98)

__all__ = [
    'MEAN_FACE_512', 'mean_face_points', 'estimate_similarity', 'align_matrix',
    'jitter_matrix', 'tanh_warp', 'tanh_unwarp', 'FaceWarp', 'AlignmentError',
    'ALIGNMENT_REASONS', 'check_face_points', 'spread_and_thickness',
    'LAPA106_TO_5', 'LAPA106_TO_300W68', 'LAPA106_TO_AFLW19',
    'LAPA106_TO_WFLW98'
]
