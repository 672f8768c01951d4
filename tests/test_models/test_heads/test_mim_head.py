"""MIMHead: converter names, masked-only cross-entropy, the class token,
depth, bad input."""
import pytest
import torch
import torch.nn.functional as F

from farl_mm.models import MIMHead


def make_head(depth=1, vocab=10):
    torch.manual_seed(0)
    head = MIMHead(embed_dims=32, num_heads=4, vocab_size=vocab, depth=depth)
    head.init_weights()
    return head


def test_parameter_names_are_the_converters():
    head = make_head(depth=6)
    names = set(head.state_dict())
    assert {'layers.5.attn.qkv.weight', 'layers.0.ffn.layers.0.0.weight',
            'layers.0.ffn.layers.1.bias', 'layers.0.ln1.weight', 'ln.bias',
            'classifier.weight', 'classifier.bias'} <= names
    assert 'layers.6.ln1.weight' not in names
    assert head.ln.eps == 1e-5 and head.classifier.out_features == 10


def test_loss_is_cross_entropy_over_masked_patches_only():
    head = make_head()
    x = torch.randn(2, 1 + 4, 32)  # class token first
    target = torch.randint(0, 10, (2, 2, 2))
    mask = torch.tensor([[[True, False], [False, True]],
                         [[False, False], [True, False]]])
    loss, acc = head.loss(x, target, mask)
    logits = head(x)  # (2, 4, 10)
    assert logits.shape == (2, 4, 10)
    picked = [(0, 0), (0, 3), (1, 2)]  # (image, patch) of the masked ones
    picked_logits = torch.stack([logits[b, p] for b, p in picked])
    labels = torch.stack([target.flatten(1)[b, p] for b, p in picked])
    torch.testing.assert_close(loss, F.cross_entropy(picked_logits, labels))
    # accuracy over the masked patches only, whatever the visible ones
    assert acc.item() == pytest.approx(
        (picked_logits.argmax(-1) == labels).float().mean().item())
    labels_right = target.clone().flatten(1)
    labels_right[0, [0, 3]] = logits[0, [0, 3]].argmax(-1)
    labels_right[1, 2] = logits[1, 2].argmax(-1)
    assert head.loss(x, labels_right.view_as(target), mask)[1].item() == 1.0
    # targets of visible patches do not matter; masked ones do
    other = target.clone()
    other[0, 0, 1] = (other[0, 0, 1] + 1) % 10
    torch.testing.assert_close(head.loss(x, other, mask)[0], loss)
    other[0, 0, 0] = (other[0, 0, 0] + 1) % 10
    assert not torch.allclose(head.loss(x, other, mask)[0], loss)


def test_fits_fixed_targets():
    head = make_head()
    x = torch.randn(2, 1 + 4, 32)
    target = torch.randint(0, 10, (2, 2, 2))
    mask = torch.ones(2, 2, 2, dtype=torch.bool)
    optim = torch.optim.Adam(head.parameters(), lr=1e-2)
    first = None
    for _ in range(40):
        loss, acc = head.loss(x, target, mask)
        first = loss.item() if first is None else first
        optim.zero_grad()
        loss.backward()
        optim.step()
    assert acc.item() == 1.0 and loss.item() < first / 5


def test_rejects_mismatched_grids_and_empty_masks():
    head = make_head()
    x = torch.randn(1, 1 + 4, 32)
    with pytest.raises(ValueError, match='same patch grid'):
        head.loss(x, torch.zeros(1, 3, 3, dtype=torch.long),
                  torch.ones(1, 3, 3, dtype=torch.bool))
    with pytest.raises(ValueError, match='no patch is masked'):
        head.loss(x, torch.zeros(1, 2, 2, dtype=torch.long),
                  torch.zeros(1, 2, 2, dtype=torch.bool))


def test_blocks_see_the_class_token_and_drop_it_after():
    head = make_head()
    x = torch.randn(2, 1 + 4, 32)
    logits = head(x)
    assert logits.shape == (2, 4, 10)  # one row per patch, none for cls
    other_cls = x.clone()
    other_cls[:, 0] = torch.randn(2, 32)  # not a shift: LN ignores those
    assert not torch.allclose(head(other_cls), logits)
    blocks = head.layers[0](x.clone())
    torch.testing.assert_close(
        logits, head.classifier(head.ln(blocks[:, 1:])))


@torch.no_grad()
def test_seeded_head_is_pinned():
    """A seed gives the same weights, logits and global random state as
    when the blocks were built by swapping classes (numbers recorded from
    that code)."""
    torch.manual_seed(0)
    head = MIMHead(embed_dims=32, num_heads=4, vocab_size=10, depth=2)
    assert torch.rand(1).item() == pytest.approx(0.3020198345, abs=1e-9)
    head.init_weights()
    logits = head(torch.linspace(-1, 1, 2 * 5 * 32).reshape(2, 5, 32))
    torch.testing.assert_close(
        logits[0, 0, :4], torch.tensor([0.07449158, -0.10772926,
                                        -0.02625569, -0.20059471]),
        atol=1e-5, rtol=1e-5)
    assert logits.abs().sum().item() == pytest.approx(12.66090870, rel=1e-5)
