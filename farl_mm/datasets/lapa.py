"""LaPa (Liu et al., AAAI 2020): 11 face classes plus 106 landmarks per face.

The landmarks are what FaRL aligns on (paper appendix): five of them are
mapped onto the mean face before the tanh warp
(:class:`farl_mm.datasets.transforms.LoadFaceLandmarks`).
"""
import os.path as osp

from farl_mm.registry import DATASETS

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

    def load_data_list(self):
        data_list = super().load_data_list()
        landmark_dir = self.data_prefix.get('landmark_path')
        if landmark_dir:
            for info in data_list:
                stem = osp.splitext(osp.basename(info['img_path']))[0]
                info['landmark_path'] = osp.join(landmark_dir, stem + '.txt')
        return data_list
