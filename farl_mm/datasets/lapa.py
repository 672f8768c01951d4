"""LaPa (Liu et al., AAAI 2020): 11 face classes plus 106 landmarks per face.

The landmarks are what FaRL aligns on (paper appendix): five of them are
mapped onto the mean face before the tanh warp
(:class:`farl_mm.datasets.transforms.LoadFaceLandmarks`).
"""
import os.path as osp

from farl_mm.geometry import LAPA106_TO_5
from farl_mm.registry import DATASETS

from .checks import landmark_file_problems
from .parsing_base import FaceParsingDataset


@DATASETS.register_module()
class LaPaDataset(FaceParsingDataset):
    """LaPa as released: ``{split}/{images,labels,landmarks}``.

    ``data_prefix`` may carry ``landmark_path``; each sample then gets the
    path of its ``.txt`` landmark file (``106``, then ``x y`` per line).
    """
    METAINFO = dict(
        classes=('background', 'skin', 'left_eyebrow', 'right_eyebrow',
                 'left_eye', 'right_eye', 'nose', 'upper_lip',
                 'inner_mouth', 'lower_lip', 'hair'),
        palette=[[0, 0, 0], [255, 204, 153], [0, 0, 255], [0, 128, 255],
                 [0, 255, 0], [0, 255, 128], [255, 0, 0], [255, 0, 255],
                 [128, 0, 255], [255, 128, 255], [128, 64, 0]],
        flip_pairs=[[2, 3], [4, 5]])
    PREPARE = ('python tools/dataset_converters/lapa.py /path/to/LaPa '
               '--out data/lapa')

    #: Points per landmark file, and the five the alignment uses (the
    #: defaults of :class:`farl_mm.datasets.transforms.LoadFaceLandmarks`).
    NUM_LANDMARKS = 106
    ALIGN_INDICES = LAPA106_TO_5

    def add_sample_files(self, info):
        landmark_dir = self.data_prefix.get('landmark_path')
        if landmark_dir:
            stem = osp.splitext(osp.basename(info['img_path']))[0]
            info['landmark_path'] = osp.join(landmark_dir, stem + '.txt')

    def sample_files(self, info):
        return super().sample_files(info) + (
            [info['landmark_path']] if 'landmark_path' in info else [])

    def sample_problems(self, info):
        problems = super().sample_problems(info)
        if 'landmark_path' in info:
            problems += landmark_file_problems(
                info['landmark_path'], self.NUM_LANDMARKS,
                self.ALIGN_INDICES)[1]
        return problems
