"""AFLW-19, 300W and WFLW for mmpose, as FaRL evaluates them.

mmpose's own dataset classes read the COCO-style files that
``tools/dataset_converters/{aflw19,300w,wflw}.py`` write; these subclasses
add two things. The raw annotation travels with each sample
(``raw_ann_info``, one of mmpose's default packed meta keys), so
:class:`farl_mm.FaceLandmarkMetric` sees the ground-truth box and the
test-subset flags (WFLW attributes, 300W common/challenge, AFLW frontal)
and ``tools/test.py --dump`` saves them. A missing annotation file stops
the run with the command that writes it.
"""
import os.path as osp

import mmpose
import numpy as np
from mmpose.datasets.datasets.face import (AFLWDataset, Face300WDataset,
                                           WFLWDataset)

from farl_mm.registry import DATASETS
from farl_mm.utils.preflight import require

from .checks import (BOX, LANDMARK_COUNT, CheckedDataset, DatasetProblems,
                     Problem, landmark_problems, missing_files)


def _mmpose_metainfo(name):
    """mmpose's metainfo file by absolute path: its datasets look for
    ``configs/_base_/datasets/{name}`` relative to the working directory
    first, where a project's own config of that name would shadow it."""
    path = osp.join(osp.dirname(mmpose.__file__), '.mim', 'configs',
                    '_base_', 'datasets', name)
    return dict(from_file=path if osp.isfile(path) else
                f'configs/_base_/datasets/{name}')


class _FaceLandmarkMixin(CheckedDataset):
    """Keep the raw annotation; check the annotation file first.

    While loading, every face is checked (its point count against the
    metainfo's ``num_keypoints``, finite coordinates, a box of positive
    size) and every image must exist; the problems are raised together,
    naming the annotation file and the image
    (:mod:`farl_mm.datasets.checks`).

    Args:
        prepare (str, optional): Command that writes ``ann_file``; shown
            when it is missing. Defaults to the class's converter.
    """

    PREPARE = ''

    def __init__(self, *args, prepare=None, **kwargs):
        self.prepare = prepare or self.PREPARE
        super().__init__(*args, **kwargs)

    def load_data_list(self):
        require(self.ann_file, self.prepare, 'annotation file')
        self._load_problems = []
        try:
            data_list = super().load_data_list()
            problems = self._load_problems
        finally:
            del self._load_problems
        images = sorted({info['img_path'] for info in data_list})
        self.report_problems(problems + missing_files(images))
        return data_list

    def parse_data_info(self, raw_data_info):
        problems = self.annotation_problems(raw_data_info)
        if problems:
            if not hasattr(self, '_load_problems'):
                raise DatasetProblems(type(self).__name__, problems)
            self._load_problems.extend(problems)
            return None
        info = super().parse_data_info(raw_data_info)
        if info is not None:
            info['raw_ann_info'] = raw_data_info['raw_ann_info']
        return info

    def annotation_problems(self, raw_data_info):
        """The problems of one face's COCO-style record."""
        ann = raw_data_info['raw_ann_info']
        name = raw_data_info['raw_img_info'].get('file_name')
        face = f'face {ann.get("id")} of {name}'
        expected = self.metainfo['num_keypoints']
        values = np.asarray(ann.get('keypoints', ()), dtype=np.float64)
        if values.size % 3:
            return [Problem(LANDMARK_COUNT, self.ann_file,
                            f'{face}: {values.size} keypoint values, not '
                            'x, y, visibility triples')]
        problems = landmark_problems(self.ann_file,
                                     values.reshape(-1, 3)[:, :2], expected)
        # mmpose crops on center / scale; the metric scores on bbox
        center = ann.get('center', (0.0, 0.0))
        scale = ann.get('scale', 1.0)
        bbox = ann.get('bbox', (0.0, 0.0, 1.0, 1.0))
        if not (np.isfinite([*center, scale, *bbox]).all() and scale > 0
                and min(bbox[2:]) > 0):
            problems.append(Problem(
                BOX, self.ann_file, f'bbox {bbox}, center {center}, scale '
                f'{scale}: not a box of positive size'))
        return [p._replace(message=f'{face}: {p.message}') for p in problems]


@DATASETS.register_module()
class FaRLAFLW19Dataset(_FaceLandmarkMixin, AFLWDataset):
    """AFLW-19 (19 points); subset flag ``frontal`` (all points visible)."""

    METAINFO = _mmpose_metainfo('aflw.py')
    PREPARE = ('python tools/dataset_converters/aflw19.py '
               'AFLWinfo_release.mat IMAGE_ROOT OUT_DIR')


@DATASETS.register_module()
class FaRLFace300WDataset(_FaceLandmarkMixin, Face300WDataset):
    """300W (68 points); subset flags ``common`` / ``challenge``."""

    METAINFO = _mmpose_metainfo('300w.py')
    PREPARE = ('python tools/dataset_converters/300w.py CSV_DIR IMAGE_ROOT '
               'OUT_DIR')


@DATASETS.register_module()
class FaRLWFLWDataset(_FaceLandmarkMixin, WFLWDataset):
    """WFLW (98 points); subset flags from the official attributes."""

    METAINFO = _mmpose_metainfo('wflw.py')
    PREPARE = ('python tools/dataset_converters/wflw.py ANNOTATION_DIR '
               'IMAGE_ROOT OUT_DIR')
