import numpy as np
import pytest
import torch

from farl_mm.evaluation.metrics import AttributeAccuracy, FairFaceAccuracy


def _evaluate(metric, samples, meta):
    metric.dataset_meta = meta
    metric.process(None, samples)
    return metric.evaluate(len(samples))


def test_attribute_accuracy_by_hand():
    # 3 faces x 4 attributes. Predicted present iff score > 0.5 (0.5 itself
    # is absent). Hand-counted correct decisions per attribute:
    #   a: face0 .9/1 ok, face1 .2/0 ok, face2 .6/0 wrong   -> 2/3
    #   b: face0 .5/1 wrong, face1 .7/1 ok, face2 .1/0 ok  -> 2/3
    #   c: all three scores .4 and gt 0                     -> 3/3
    #   d: face0 .8/0 wrong, face1 .3/1 wrong, face2 .99/1  -> 1/3
    scores = [[.9, .5, .4, .8], [.2, .7, .4, .3], [.6, .1, .4, .99]]
    labels = [[0, 1], [1, 3], [3]]  # indices of present attributes
    samples = [dict(pred_score=torch.tensor(s), gt_label=torch.tensor(g))
               for s, g in zip(scores, labels)]
    metric = AttributeAccuracy(per_attribute=True)
    out = _evaluate(metric, samples, dict(classes=('a', 'b', 'c', 'd')))
    assert out['attr/acc_a'] == pytest.approx(200 / 3)
    assert out['attr/acc_b'] == pytest.approx(200 / 3)
    assert out['attr/acc_c'] == pytest.approx(100.0)
    assert out['attr/acc_d'] == pytest.approx(100 / 3)
    assert out['attr/mAcc'] == pytest.approx((2 + 2 + 3 + 1) / 12 * 100)


def test_attribute_accuracy_reads_gt_score_and_checks_classes():
    samples = [dict(pred_score=torch.tensor([.9, .1]),
                    gt_score=torch.tensor([1., 1.]))]
    out = _evaluate(AttributeAccuracy(), samples, dict(classes=('x', 'y')))
    assert out == {'attr/mAcc': pytest.approx(50.0)}
    with pytest.raises(ValueError, match='3 classes'):
        _evaluate(AttributeAccuracy(), samples,
                  dict(classes=('x', 'y', 'z')))


RACES = ('White', 'Black', 'Indian')


def _task(pred, gt):
    return dict(pred_label=torch.tensor([pred]), gt_label=torch.tensor([gt]))


def test_fairface_accuracy_by_hand():
    # (race gt, age pred/gt, gender pred/gt) for 5 faces; race is always
    # predicted right except face 4.
    faces = [(0, (1, 1), (0, 0)), (0, (2, 3), (1, 1)),
             (1, (4, 4), (0, 1)), (2, (0, 0), (1, 1)), (2, (5, 6), (0, 0))]
    samples = []
    for i, (race, age, gender) in enumerate(faces):
        samples.append(dict(age=_task(*age), gender=_task(*gender),
                            race=_task(race if i != 4 else 0, race)))
    metric = FairFaceAccuracy(race_classes=RACES)
    out = _evaluate(metric, samples, {})
    # age: White 1/2, Non-White (faces 2-4) 2/3, all 3/5
    assert out['fairface/age_acc_White'] == pytest.approx(50.0)
    assert out['fairface/age_acc_NonWhite'] == pytest.approx(200 / 3)
    assert out['fairface/age_acc'] == pytest.approx(60.0)
    assert out['fairface/age_disc'] == pytest.approx(200 / 3 - 50)
    # gender: White 2/2, Non-White 2/3 -> discrepancy -33.3
    assert out['fairface/gender_disc'] == pytest.approx(200 / 3 - 100)
    assert out['fairface/race_acc_Indian'] == pytest.approx(50.0)
    assert out['fairface/race_acc'] == pytest.approx(80.0)
    assert np.isfinite(list(out.values())).all()
    # without race_classes the groups come from the dataset's tasks
    derived = _evaluate(FairFaceAccuracy(), samples,
                        dict(tasks=dict(race=RACES)))
    assert derived == pytest.approx(out)
    with pytest.raises(ValueError, match="'White' is not one of"):
        _evaluate(FairFaceAccuracy(), samples,
                  dict(tasks=dict(race=('A', 'B', 'C'))))


def test_fairface_accuracy_needs_the_white_class():
    with pytest.raises(ValueError, match='White'):
        FairFaceAccuracy(race_classes=('A', 'B'))
