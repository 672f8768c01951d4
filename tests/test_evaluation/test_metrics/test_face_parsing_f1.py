"""farl_mm/evaluation/metrics/face_parsing_f1.py (FaRL's pooled F1 on
mmseg's IoUMetric)."""
import math

import cv2
import numpy as np
import pytest
import torch

from farl_mm.evaluation.metrics.face_parsing_f1 import FaceParsingF1

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
    metrics = run_metric([img])
    assert math.isnan(metrics['f1_hair'])
    assert metrics['f1_mean'] == 100.0  # skin and eye perfect, hair NaN


def test_size_mismatch_names_the_image():
    metric = FaceParsingF1()
    metric.dataset_meta = dict(classes=CLASSES)
    with pytest.raises(ValueError, match='x.jpg'):
        metric.process({}, [sample([[0, 1]], [[0], [1]])])


def test_class_missed_or_only_predicted_scores_zero_in_the_mean():
    # skin is labelled but never predicted, eye predicted but never
    # labelled: F1 0 for both (2 TP / (2 TP + FP + FN) with TP 0), and both
    # count in the means. (mmseg's mFscore, P R / (P + R) with an empty
    # precision or recall, would make them NaN and drop them.)
    img = ([[0, 2], [3, 3]], [[0, 1], [3, 3]])
    metrics = run_metric([img])
    assert metrics['f1_skin'] == 0.0 and metrics['f1_eye'] == 0.0
    assert metrics['f1_mean'] == pytest.approx(round(100 / 3, 2))
    assert metrics['f1_mean_wo_hair'] == 0.0


LAPA = ('background', 'skin', 'left_eyebrow', 'right_eyebrow', 'left_eye',
        'right_eye', 'nose', 'upper_lip', 'inner_mouth', 'lower_lip', 'hair')


def golden_samples():
    """Three seeded images of three sizes: ignored pixels, no hair in any
    label, inner mouth only predicted, never labelled."""
    rng = np.random.default_rng(16)
    samples = []
    for i, (h, w) in enumerate([(7, 9), (12, 5), (4, 4)]):
        label = rng.integers(0, 10, (h, w))
        label[rng.random((h, w)) < 0.1] = 255
        pred = np.where(rng.random((h, w)) < 0.6, label,
                        rng.integers(0, 11, (h, w)))
        pred[pred == 255] = 0
        label[label == 8] = 255 if i else 7
        samples.append(dict(pred_sem_seg=dict(data=torch.tensor(pred[None])),
                            gt_sem_seg=dict(data=torch.tensor(label[None])),
                            img_path=f'{i}.jpg'))
    return samples


def test_numbers_are_those_of_the_confusion_matrix_metric():
    # Recorded from the confusion-matrix implementation this metric had
    # before it was built on mmseg's IoUMetric: the numbers must not move.
    metric = FaceParsingF1()
    metric.dataset_meta = dict(classes=LAPA)
    metric.process({}, golden_samples())
    assert metric.evaluate(3) == {
        'f1_mean': 39.39, 'f1_mean_wo_hair': 43.77, 'f1_background': 66.67,
        'f1_skin': 48.28, 'f1_left_eyebrow': 73.68, 'f1_right_eyebrow': 33.33,
        'f1_left_eye': 66.67, 'f1_right_eye': 60.0, 'f1_nose': 28.57,
        'f1_upper_lip': 30.77, 'f1_inner_mouth': 0.0, 'f1_lower_lip': 52.63,
        'f1_hair': 0.0}


def test_output_dir_writes_label_pngs(tmp_path):
    # what tools/test.py --out asks for: one PNG per image, named after it,
    # holding the predicted class ids; the metrics are unchanged
    out = tmp_path / 'png'
    metric = FaceParsingF1(output_dir=str(out))
    metric.dataset_meta = dict(classes=CLASSES)
    samples = [sample(*IMG1), sample(*IMG2)]
    samples[1]['img_path'] = 'faces/other.jpg'
    metric.process({}, samples)
    assert metric.evaluate(2)['f1_mean_wo_hair'] == pytest.approx(65.0)
    assert sorted(p.name for p in out.iterdir()) == ['other.png', 'x.png']
    for name, (pred, _) in (('x', IMG1), ('other', IMG2)):
        png = cv2.imread(str(out / f'{name}.png'), cv2.IMREAD_UNCHANGED)
        assert png.dtype == np.uint8
        np.testing.assert_array_equal(png, pred)
