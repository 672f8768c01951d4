"""Reading a sample's annotation files into the keys the transforms use."""
import numpy as np
from mmcv.transforms import BaseTransform

from farl_mm.datasets.checks import DatasetProblems, landmark_file_problems
from farl_mm.geometry import LAPA106_TO_5
from farl_mm.registry import TRANSFORMS


@TRANSFORMS.register_module()
class LoadFaceLandmarks(BaseTransform):
    """Read ``landmark_path`` (LaPa's ``.txt``) into ``face_points`` (5, 2),
    the points :class:`~farl_mm.datasets.transforms.FaceAlignWarp` aligns by.

    A file with another point count, NaN / inf coordinates or five
    alignment points that are coincident or collinear raises
    :class:`~farl_mm.datasets.checks.DatasetProblems` naming it.

    A photo given to a stock inferencer has no ``landmark_path``; with
    ``optional`` (the test pipelines) it keeps the ``face_points`` given
    with it (``dict(img=..., face_points=...)``), or has none, and
    :class:`~farl_mm.datasets.transforms.FaceAlignWarp` takes the whole
    photo (or its detector's face). Training pipelines keep the default:
    a dataset without landmark files is a config error.

    Args:
        indices (Sequence[int]): The five alignment points among the file's
            points, in the mean face's order (LaPa's pupils, nose tip and
            mouth corners by default).
        num_points (int): Points the file must hold.
        optional (bool): A sample without ``landmark_path`` passes through
            instead of raising ``KeyError``.
    """

    def __init__(self, indices=LAPA106_TO_5, num_points=106, optional=False):
        self.indices = list(indices)
        self.num_points = num_points
        self.optional = optional

    def transform(self, results):
        path = results.get('landmark_path')
        if path is None and self.optional:
            return results
        if path is None:
            raise KeyError(
                f'{results.get("img_path")}: no landmark_path; give the '
                "dataset data_prefix=dict(landmark_path='{split}/landmarks')")
        points, problems = landmark_file_problems(path, self.num_points,
                                                  self.indices)
        if problems:
            raise DatasetProblems(type(self).__name__, problems)
        results['face_points'] = points[self.indices].astype(np.float64)
        return results
