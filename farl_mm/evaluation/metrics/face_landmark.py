"""NME / FR / AUC as face alignment papers (and FaRL, Tables 6-8) report.

mmpose's ``NME`` normalises by ``max(w, h)`` of the box or by a
precomputed per-sample factor, and has neither failure rate nor AUC nor
test subsets; this metric computes all of them per subset in one pass.
Coordinates are those of mmpose's top-down predictions, which
``TopdownPoseEstimator`` has already mapped back to the original image.
"""
from collections import OrderedDict

import numpy as np
from mmengine.evaluator import BaseMetric
from mmengine.logging import print_log
from mmpose.evaluation.metrics import NME

from farl_mm.registry import METRICS

#: Landmark index pairs of the inter-ocular (outer eye corners) and
#: inter-pupil distances per mmpose ``dataset_name``; a list entry is a
#: group whose centroid is the point (300W has no pupil landmark). The
#: outer eye corners of 300W and WFLW are those of mmpose's ``NME``.
NORM_INDICES = {
    '300w': dict(inter_ocular=tuple(NME.DEFAULT_KEYPOINT_INDICES['300w']),
                 inter_pupil=(list(range(36, 42)), list(range(42, 48)))),
    'wflw': dict(inter_ocular=tuple(NME.DEFAULT_KEYPOINT_INDICES['wflw']),
                 inter_pupil=(96, 97)),
    'aflw': dict(inter_ocular=(6, 11), inter_pupil=(7, 10)),
}
NORM_MODES = ('box_diag', 'box_sqrt_area', 'inter_ocular', 'inter_pupil')


def _point(points, index):
    return points[list(index)].mean(0) if isinstance(
        index, (list, tuple)) else points[index]


def auc_and_failure_rate(nmes, threshold):
    """AUC of the cumulative error distribution on ``[0, threshold]``
    divided by ``threshold``, and the share of errors above it (both as
    fractions in [0, 1]; the metric reports them in percent).

    The CED is a step function, so its integral is exact:
    ``mean(max(0, threshold - e))``.
    """
    nmes = np.asarray(nmes, dtype=np.float64)
    auc = np.maximum(0.0, threshold - nmes).mean() / threshold
    return float(auc), float((nmes > threshold).mean())


@METRICS.register_module()
class FaceLandmarkMetric(BaseMetric):
    """Per-image NME, then its mean, FR@t and AUC@t, per test subset.

    Subsets are the flags in each annotation's ``subsets`` list (written by
    ``tools/dataset_converters``: WFLW's attributes, 300W's
    ``common`` / ``challenge``, AFLW-19's ``frontal``); ``full`` is every
    image. Keys are ``{subset}/NME``, ``{subset}/FR@{t}`` and
    ``{subset}/AUC@{t}``; NME, FR and AUC are in percent, as the paper's
    tables print them (e.g. AUC@0.07-box 80.4 on AFLW-19, Table 6).

    Args:
        norm_mode (str): One of :data:`NORM_MODES`. Box modes use the
            ground-truth box of the annotation (``bbox``, x, y, w, h) and
            fall back to the sample's ``gt_instances.bboxes``.
        norm_indices (tuple, optional): The two landmarks (or landmark
            groups) of the ocular modes. Defaults to :data:`NORM_INDICES`
            for the dataset's ``dataset_name``.
        threshold (float): ``t`` of FR@t and AUC@t, in normalised units.
        subsets (Sequence[str], optional): Subsets to report, in order;
            defaults to ``full`` then every flag found, sorted.
        visible_only (bool): Average only over visible landmarks. FaRL's
            AFLW-19 protocol scores all 19, so this is off by default.
        collect_device (str): See :class:`mmengine.evaluator.BaseMetric`.
        prefix (str, optional): Prefix of the metric names.
    """

    default_prefix = None

    def __init__(self, norm_mode='inter_ocular', norm_indices=None,
                 threshold=0.1, subsets=None, visible_only=False,
                 collect_device='cpu', prefix=None):
        super().__init__(collect_device=collect_device, prefix=prefix)
        if norm_mode not in NORM_MODES:
            raise ValueError(f'norm_mode must be one of {NORM_MODES}, got '
                             f'{norm_mode!r}')
        self.norm_mode = norm_mode
        self.norm_indices = norm_indices
        self.threshold = threshold
        self.subsets = subsets
        self.visible_only = visible_only

    def _ocular_indices(self):
        if self.norm_indices is not None:
            return self.norm_indices
        name = (self.dataset_meta or {}).get('dataset_name')
        if name not in NORM_INDICES:
            raise ValueError(
                f'FaceLandmarkMetric: norm_mode {self.norm_mode!r} needs '
                f'norm_indices for dataset {name!r} (known defaults: '
                f'{sorted(NORM_INDICES)})')
        return NORM_INDICES[name][self.norm_mode]

    def normaliser(self, gt_points, box_xywh):
        """The distance ``d`` of one face."""
        if self.norm_mode.startswith('box'):
            w, h = float(box_xywh[2]), float(box_xywh[3])
            return (np.hypot(w, h) if self.norm_mode == 'box_diag' else
                    np.sqrt(w * h))
        a, b = self._ocular_indices()
        return float(np.linalg.norm(_point(gt_points, a) -
                                    _point(gt_points, b)))

    def process(self, data_batch, data_samples):
        for sample in data_samples:
            pred = np.asarray(sample['pred_instances']['keypoints'])[0]
            gt_inst = sample['gt_instances']
            gt = np.asarray(gt_inst['keypoints'])[0]
            visible = np.asarray(gt_inst['keypoints_visible']).reshape(-1)
            ann = sample.get('raw_ann_info') or {}
            if 'bbox' in ann:
                box = np.asarray(ann['bbox'], dtype=np.float64)
            else:
                x1, y1, x2, y2 = np.asarray(gt_inst['bboxes'])[0]
                box = np.array([x1, y1, x2 - x1, y2 - y1])
            norm = self.normaliser(gt, box)
            if not norm > 0:
                raise ValueError(
                    f'{sample.get("img_path")}: {self.norm_mode} '
                    f'normaliser is {norm}')
            errors = np.linalg.norm(pred - gt, axis=-1)
            if self.visible_only:
                errors = errors[visible > 0]
                if not errors.size:
                    raise ValueError(f'{sample.get("img_path")}: no visible '
                                     'landmark to score (visible_only)')
            self.results.append(dict(
                nme=float(errors.mean() / norm),
                subsets=tuple(ann.get('subsets', ()))))

    def compute_metrics(self, results):
        found = sorted({s for r in results for s in r['subsets']})
        names = self.subsets or ['full', *found]
        metrics = OrderedDict()
        rows = []
        t = self.threshold
        for name in names:
            nmes = [r['nme'] for r in results
                    if name == 'full' or name in r['subsets']]
            if not nmes:
                print_log(f'FaceLandmarkMetric: subset {name!r} is empty',
                          logger='current')
                continue
            auc, fr = auc_and_failure_rate(nmes, t)
            nme = float(np.mean(nmes))
            metrics[f'{name}/NME'] = 100 * nme
            metrics[f'{name}/FR@{t:g}'] = 100 * fr
            metrics[f'{name}/AUC@{t:g}'] = 100 * auc
            rows.append(f'| {name:<12} | {len(nmes):>6} | {100 * nme:>10.3f}'
                        f' | {100 * fr:>10.2f} | {100 * auc:>10.2f} |')
        header = (f'| {"subset":<12} | {"images":>6} | {"NME %":>10} | '
                  f'{f"FR@{t:g} %":>10} | {f"AUC@{t:g} %":>10} |')
        print_log(f'face alignment, NME normalised by {self.norm_mode}:\n'
                  + '\n'.join([header, *rows]), logger='current')
        return metrics
