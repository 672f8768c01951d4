import pytest
import torch
import torch.nn.functional as F
from mmpretrain.models.heads import MultiTaskHead
from mmpretrain.structures import DataSample, MultiTaskDataSample

from farl_mm.models.heads import FaRLAttributeClsHead, FaRLAttributeHead

C, N = 32, 9  # token width, patch tokens


def _feats(levels=4, batch=2, seed=0):
    g = torch.Generator().manual_seed(seed)
    return tuple(torch.randn(batch, 1 + N, C, generator=g)
                 for _ in range(levels))


def _reference(head, feats):
    """The §4.1 head written out independently: 3 vectors per level,
    each LayerNorm'd with its own affine, softmax-weighted sum, linear."""
    pool = head.pool
    w = torch.exp(pool.fusion_logits) / torch.exp(pool.fusion_logits).sum()
    fused, k = 0, 0
    for x in feats:
        for v in (x[:, 0], x[:, 1:].mean(1), x[:, 1:].max(1).values):
            norm = pool.norms[k]
            mu = v.mean(-1, keepdim=True)
            var = v.var(-1, unbiased=False, keepdim=True)
            v = (v - mu) / torch.sqrt(var + norm.eps)
            fused = fused + w[k] * (v * norm.weight + norm.bias)
            k += 1
    return fused @ head.fc.weight.T + head.fc.bias


def test_shapes_and_independent_computation():
    head = FaRLAttributeHead(num_classes=40, in_channels=C, num_levels=4)
    with torch.no_grad():  # non-trivial weights and LN affines
        head.pool.fusion_logits.copy_(torch.linspace(-2, 1, 12))
        for norm in head.pool.norms:
            norm.weight.uniform_(0.5, 1.5)
            norm.bias.uniform_(-0.2, 0.2)
    feats = _feats()
    logits = head(feats)
    assert logits.shape == (2, 40)
    torch.testing.assert_close(logits, _reference(head, feats))


def test_fusion_weights_are_a_softmax():
    head = FaRLAttributeHead(num_classes=5, in_channels=C)
    w = head.pool.fusion_weights
    assert w.shape == (12, )
    torch.testing.assert_close(w, torch.full((12, ), 1 / 12))  # uniform
    with torch.no_grad():
        head.pool.fusion_logits.copy_(torch.tensor([3., -1.] * 6))
    w = head.pool.fusion_weights
    assert (w > 0).all() and w.sum().item() == pytest.approx(1.0)
    assert (w[0] / w[1]).item() == pytest.approx(torch.e ** 4, rel=1e-5)


def test_single_level_repeats_one_tap():
    multi = FaRLAttributeHead(num_classes=6, in_channels=C, num_levels=4)
    single = FaRLAttributeHead(num_classes=6, in_channels=C, num_levels=4,
                               single_level=True)
    single.load_state_dict(multi.state_dict())
    one = _feats(levels=1)
    torch.testing.assert_close(single(one), multi(one * 4))
    with pytest.raises(ValueError, match='expects 4 tapped'):
        multi(one)
    with pytest.raises(ValueError, match='expects 1 tapped'):
        single(_feats(levels=4))
    with pytest.raises(ValueError, match="out_type='raw'"):
        single((torch.randn(2, C, 3, 3), ))


def test_loss_is_binary_cross_entropy_and_learns():
    torch.manual_seed(0)
    head = FaRLAttributeHead(num_classes=3, in_channels=C, num_levels=2)
    feats = _feats(levels=2, batch=4)
    labels = [[0], [1, 2], [], [0, 2]]
    samples = [DataSample().set_gt_label(lab) for lab in labels]
    target = torch.tensor([[1., 0, 0], [0, 1, 1], [0, 0, 0], [1, 0, 1]])
    loss = head.loss(feats, samples)['loss']
    expected = F.binary_cross_entropy_with_logits(
        head(feats), target, reduction='sum') / 4
    torch.testing.assert_close(loss, expected)
    opt = torch.optim.AdamW(head.parameters(), lr=0.05)
    for _ in range(30):
        opt.zero_grad()
        head.loss(feats, samples)['loss'].backward()
        opt.step()
    preds = head.predict(feats)
    assert [p.pred_label.tolist() for p in preds] == labels


def test_fairface_three_softmax_heads():
    task = dict(type='farl_mm.FaRLAttributeClsHead', in_channels=C,
                num_levels=4)
    head = MultiTaskHead(task_heads=dict(
        age=dict(task, num_classes=9), gender=dict(task, num_classes=2),
        race=dict(task, num_classes=7)))
    assert all(isinstance(h, FaRLAttributeClsHead)
               for h in head.task_heads.values())
    feats = _feats()
    samples = []
    for age, gender, race in ((3, 0, 6), (8, 1, 0)):
        s = MultiTaskDataSample()
        for name, lab in (('age', age), ('gender', gender), ('race', race)):
            s.set_field(DataSample().set_gt_label(lab), name)
        samples.append(s)
    losses = head.loss(feats, samples)
    age_logits = head.task_heads['age'](feats)
    assert age_logits.shape == (2, 9)
    torch.testing.assert_close(
        losses['age_loss'], F.cross_entropy(age_logits, torch.tensor([3, 8])))
    preds = head.predict(feats)
    assert preds[0].race.pred_score.shape == (7, )
