import math

import numpy as np
import pytest
import torch

from farl_mm.evaluation.metrics.face_parsing_f1 import (FaceParsingF1,
                                                        confusion_matrix,
                                                        f1_from_confusion)

CLASSES = ('background', 'skin', 'eye', 'hair')


def sample(pred, label):
    return dict(pred_sem_seg=dict(data=torch.tensor([pred])),
                gt_sem_seg=dict(data=torch.tensor([label])),
                img_path='x.jpg')


def run_metric(pairs, **kwargs):
    metric = FaceParsingF1(**kwargs)
    metric.dataset_meta = dict(classes=CLASSES)
    metric.process({}, [sample(p, g) for p, g in pairs])
    return metric.evaluate(len(pairs))


# image 1: 2x3, no hair anywhere; image 2: 2x3, no eye in the label, and an
# eye prediction on the ignored pixel (255), which must not count.
IMG1 = ([[0, 1, 2], [1, 1, 2]],   # prediction
        [[0, 1, 2], [1, 2, 0]])   # label
IMG2 = ([[3, 3, 1], [0, 2, 1]],
        [[3, 1, 1], [0, 255, 1]])


def test_confusion_matrix_by_hand():
    pred, label = map(torch.tensor, IMG2)
    expected = np.zeros((4, 4), int)
    # (label, pred): (3,3) (1,3) (1,1) (0,0) (1,1); the 255 pixel is ignored
    for g, p in [(3, 3), (1, 3), (1, 1), (0, 0), (1, 1)]:
        expected[g, p] += 1
    np.testing.assert_array_equal(confusion_matrix(pred, label, 4), expected)


def test_f1_pools_one_matrix_over_the_set():
    # The scored (label, prediction) pixels of both images, by hand:
    pairs = [(0, 0), (1, 1), (2, 2), (1, 1), (2, 1), (0, 2),   # image 1
             (3, 3), (1, 3), (1, 1), (0, 0), (1, 1)]           # image 2
    tp = {c: sum(g == p == c for g, p in pairs) for c in range(4)}
    fp = {c: sum(p == c != g for g, p in pairs) for c in range(4)}
    fn = {c: sum(g == c != p for g, p in pairs) for c in range(4)}
    assert (tp, fp, fn) == ({0: 2, 1: 4, 2: 1, 3: 1}, {0: 0, 1: 1, 2: 1, 3: 1},
                            {0: 1, 1: 1, 2: 1, 3: 0})
    f1 = [2 * tp[c] / (2 * tp[c] + fp[c] + fn[c]) for c in range(4)]
    assert f1 == pytest.approx([4 / 5, 8 / 10, 2 / 4, 2 / 3])

    metrics = run_metric([IMG1, IMG2])
    assert metrics['f1_background'] == pytest.approx(80.0)
    assert metrics['f1_skin'] == pytest.approx(80.0)
    assert metrics['f1_eye'] == pytest.approx(50.0)
    assert metrics['f1_hair'] == pytest.approx(66.67)
    # means leave out background (and hair)
    assert metrics['f1_mean'] == pytest.approx(
        round((0.8 + 0.5 + 2 / 3) / 3 * 100, 2))
    assert metrics['f1_mean_wo_hair'] == pytest.approx(65.0)


def test_pooled_is_not_the_mean_of_per_image_scores():
    small = ([[2, 0]], [[2, 0]])              # eye found: F1 1
    large = ([[0, 0, 0, 0]], [[2, 2, 2, 0]])  # 3 eye pixels missed: F1 0
    per_image = [run_metric([img])['f1_eye'] for img in (small, large)]
    assert per_image == [100.0, 0.0]
    # pooled: TP 1, FN 3 -> 2 / (2 + 3), not the per-image mean of 50
    assert run_metric([small, large])['f1_eye'] == pytest.approx(40.0)


def test_class_absent_everywhere_is_left_out_of_the_mean():
    img = ([[0, 1], [1, 2]], [[0, 1], [1, 2]])  # no hair, none predicted
    f1 = f1_from_confusion(confusion_matrix(*map(torch.tensor, img), 4))
    assert math.isnan(f1[3])
    metrics = run_metric([img])
    assert metrics['f1_mean'] == 100.0  # skin and eye perfect, hair NaN


def test_size_mismatch_names_the_image():
    metric = FaceParsingF1()
    metric.dataset_meta = dict(classes=CLASSES)
    with pytest.raises(ValueError, match='x.jpg'):
        metric.process({}, [sample([[0, 1]], [[0], [1]])])
