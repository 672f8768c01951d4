"""Face alignment for attribute recognition (paper appendix, "Face
attributes recognition")."""
import numpy as np
from mmcv.transforms import BaseTransform

from farl_mm.datasets.checks import DatasetProblems, alignment_problems
from farl_mm.geometry import FaceWarp
from farl_mm.geometry.alignment_targets import face_matrix
from farl_mm.registry import TRANSFORMS


@TRANSFORMS.register_module()
class AlignFaceByLandmarks(BaseTransform):
    """Warp the face so its five landmarks meet FaRL's mean face.

    FaRL was pretrained on faces aligned this way, so the downstream
    attribute images are aligned the same (a similarity transform, no tanh
    warp). When fine-tuning, the paper adds Gaussian noise of variance 5 to
    the landmarks before aligning.

    Required keys: ``img``, ``landmarks5`` ``(5, 2)`` (left eye, right eye,
    nose, left and right mouth corner, image pixels). Points that are not
    finite, coincident or collinear raise
    :class:`~farl_mm.datasets.checks.DatasetProblems` naming ``img_path``;
    points off the image (or made absurd by the noise)
    :class:`~farl_mm.geometry.AlignmentError`, naming it too.
    Modified keys: ``img``, ``img_shape``. Added: ``align_matrix`` (3x3,
    image -> output pixels).

    Args:
        size (int): Output side in pixels.
        scale (float): Face scale on the canvas (``< 1``: more context).
        landmark_noise_var (float): Variance in px² of the Gaussian noise
            added to each landmark coordinate; 0 disables it.
        border_value (int): Fill outside the source image.
        template (list, optional): ``(5, 2)`` canvas points to align to
            instead of the mean face (the authors' released CelebA model
            has its own).
        align_corners (bool): False: the authors' ``facer`` pixel
            convention (pixel ``i`` spans ``[i, i + 1]``); True: farl_mm's.
    """

    def __init__(self, size=224, scale=1.0, landmark_noise_var=0.0,
                 border_value=0, template=None, align_corners=True):
        self.size = size
        self.scale = scale
        self.template = template
        self.align_corners = align_corners
        self.landmark_noise_var = landmark_noise_var
        self.border_value = border_value

    def transform(self, results):
        if 'landmarks5' not in results:
            raise KeyError(f'{results.get("img_path", "sample")}: no '
                           "'landmarks5' to align with; give the dataset a "
                           'landmarks file or drop AlignFaceByLandmarks')
        points = np.asarray(results['landmarks5'], dtype=np.float64)
        problems = alignment_problems(results.get('img_path', 'sample'),
                                      points)
        if problems:
            raise DatasetProblems(type(self).__name__, problems)
        if self.landmark_noise_var > 0:
            points = points + np.random.normal(
                0.0, np.sqrt(self.landmark_noise_var), points.shape)
        matrix = face_matrix(points, self.size, self.scale, self.template,
                             align_corners=self.align_corners,
                             image_size=results['img'].shape[1::-1],
                             where=results.get('img_path'))
        warp = FaceWarp(matrix, self.size, alpha=0.0)
        results['img'] = warp.warp_image(results['img'],
                                         border_value=self.border_value)
        results['img_shape'] = results['img'].shape[:2]
        results['align_matrix'] = matrix
        return results

    def __repr__(self):
        return (f'{type(self).__name__}(size={self.size}, scale={self.scale}, '
                f'landmark_noise_var={self.landmark_noise_var})')
