import numpy as np
import pytest

from farl_mm.evaluation.metrics import FaceLandmarkMetric
from farl_mm.evaluation.metrics.face_landmark import auc_and_failure_rate


def _sample(pred, gt, bbox_xywh, subsets=()):
    pred, gt = np.asarray(pred, float), np.asarray(gt, float)
    return dict(
        pred_instances=dict(keypoints=pred[None]),
        gt_instances=dict(keypoints=gt[None],
                          keypoints_visible=np.ones((1, len(gt))),
                          bboxes=np.zeros((1, 4))),
        raw_ann_info=dict(bbox=list(bbox_xywh), subsets=list(subsets)))


# Three faces of two landmarks. Box 3x4 -> diagonal 5, sqrt(area) sqrt(12).
GT = [[0.0, 0.0], [10.0, 0.0]]
SAMPLES = [
    # errors 0.3 and 0.4 -> mean 0.35
    _sample([[0.3, 0.0], [10.0, 0.4]], GT, (0, 0, 3, 4), ['pose']),
    # errors 0 and 1 -> mean 0.5
    _sample([[0.0, 0.0], [11.0, 0.0]], GT, (5, 5, 3, 4)),
    # errors 0.6 (3-4-5 of 0.36/0.48) and 0 -> mean 0.3
    _sample([[0.36, 0.48], [10.0, 0.0]], GT, (0, 0, 3, 4), ['pose']),
]


def _evaluate(**kwargs):
    metric = FaceLandmarkMetric(**kwargs)
    metric.dataset_meta = dict(dataset_name='test')
    metric.process([], SAMPLES)
    return metric.compute_metrics(metric.results)


def test_box_diag_nme_fr_auc_by_hand():
    m = _evaluate(norm_mode='box_diag', threshold=0.08)
    nmes = [0.35 / 5, 0.5 / 5, 0.3 / 5]  # 0.07, 0.1, 0.06
    assert m['full/NME'] == pytest.approx(100 * np.mean(nmes))
    assert m['full/FR@0.08'] == pytest.approx(100 / 3)  # only 0.1 fails
    # CED area on [0, 0.08]: (0.08-0.07) + 0 + (0.08-0.06), over 3 and t:
    # 0.03 / 3 / 0.08 = 0.125, in percent as the paper prints AUC
    assert m['full/AUC@0.08'] == pytest.approx(12.5)
    assert m['pose/NME'] == pytest.approx(100 * (0.07 + 0.06) / 2)
    assert m['pose/FR@0.08'] == 0
    assert m['pose/AUC@0.08'] == pytest.approx(18.75)  # 0.03 / 2 / 0.08
    assert list(m)[:3] == ['full/NME', 'full/FR@0.08', 'full/AUC@0.08']


def test_box_sqrt_area_and_inter_ocular():
    m = _evaluate(norm_mode='box_sqrt_area', subsets=['full'])
    assert m['full/NME'] == pytest.approx(
        100 * np.mean([0.35, 0.5, 0.3]) / np.sqrt(12))
    assert set(m) == {'full/NME', 'full/FR@0.1', 'full/AUC@0.1'}
    # inter-ocular between the two landmarks: distance 10
    m = _evaluate(norm_mode='inter_ocular', norm_indices=(0, 1))
    assert m['full/NME'] == pytest.approx(100 * np.mean([0.35, 0.5, 0.3])
                                          / 10)


def test_group_centroids_and_dataset_defaults():
    metric = FaceLandmarkMetric(norm_mode='inter_pupil')
    metric.dataset_meta = dict(dataset_name='300w')
    gt = np.zeros((68, 2))
    gt[36:42] = [[0, 0], [2, 0], [4, 0], [4, 2], [2, 2], [0, 2]]  # c (2, 1)
    gt[42:48] = gt[36:42] + [10, 3]  # centroid (12, 4): distance sqrt(109)
    assert metric.normaliser(gt, None) == pytest.approx(np.sqrt(109))
    metric = FaceLandmarkMetric(norm_mode='inter_ocular')
    metric.dataset_meta = dict(dataset_name='unknown')
    with pytest.raises(ValueError, match='norm_indices'):
        metric.normaliser(gt, None)
    with pytest.raises(ValueError, match='norm_mode'):
        FaceLandmarkMetric(norm_mode='bbox_size')


def test_auc_is_the_integral_of_the_ced():
    nmes = np.random.default_rng(0).uniform(0, 0.15, 50)
    grid = np.linspace(0, 0.1, 100001)
    ced = (nmes[None] <= grid[:, None]).mean(1)
    numeric = np.trapz(ced, grid) / 0.1
    auc, fr = auc_and_failure_rate(nmes, 0.1)
    assert auc == pytest.approx(numeric, abs=1e-4)
    assert fr == pytest.approx((nmes > 0.1).mean())


def test_visible_only_scores_visible_points_and_refuses_none():
    sample = _sample([[0.3, 0.0], [11.0, 0.0]], GT, (0, 0, 3, 4))
    sample['gt_instances']['keypoints_visible'] = np.array([[1.0, 0.0]])
    metric = FaceLandmarkMetric(norm_mode='box_diag', visible_only=True)
    metric.process([], [sample])
    assert metric.results[0]['nme'] == pytest.approx(0.3 / 5)
    sample['gt_instances']['keypoints_visible'] = np.zeros((1, 2))
    with pytest.raises(ValueError, match='no visible landmark'):
        metric.process([], [sample])


@pytest.mark.parametrize('name,num,corners', [
    ('300w', 68, (36, 45)), ('wflw', 98, (60, 72)), ('aflw', 19, (6, 11))])
def test_inter_ocular_defaults_are_the_outer_eye_corners(name, num, corners):
    # 300W / WFLW from mmpose's NME defaults; the distance of the two
    # corners (3-4-5), whatever the other points are
    gt = np.random.default_rng(0).uniform(0, 100, (num, 2))
    gt[corners[1]] = gt[corners[0]] + [30, 40]
    metric = FaceLandmarkMetric(norm_mode='inter_ocular')
    metric.dataset_meta = dict(dataset_name=name)
    assert metric.normaliser(gt, None) == pytest.approx(50)
