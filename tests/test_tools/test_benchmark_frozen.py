"""A fully frozen FaRLViT costs a training step nothing backward: no
parameter of it gets a gradient, autograd records none of its operations
and keeps none of its activations (tiny models of the frozen configs)."""
import pytest
import torch

from tools.analysis_tools import benchmark_frozen as bf

SIZE, BATCH = 32, 2


@pytest.mark.parametrize('task', ['parsing', 'alignment'])
def test_frozen_backbone_runs_no_backward(task):
    frozen = bf.build_model(task, SIZE, frozen=True, quick=True)
    tuned = bf.build_model(task, SIZE, frozen=False, quick=True)
    tuned.load_state_dict(frozen.state_dict())
    data = bf.make_batch(task, frozen, SIZE, BATCH)

    frozen_saved, frozen_graph, frozen_grads = bf.instrumented_backward(
        frozen, data)
    tuned_saved, tuned_graph, tuned_grads = bf.instrumented_backward(
        tuned, data)
    assert not frozen_graph and frozen_grads == 0
    # fine-tuning reaches every backbone parameter the featmaps depend on
    # (the tiny arch's 4 blocks; ln1 and proj are unused by featmaps)
    assert tuned_graph and tuned_grads == sum(
        p.requires_grad for p in tuned.backbone.parameters()) > 40
    # the heads train in both modes
    for model in (frozen, tuned):
        head = model.decode_head if task == 'parsing' else model.head
        head.zero_grad(set_to_none=True)
        model.parse_losses(model.loss(
            **model.data_preprocessor(data, True)))[0].backward()
        assert all(p.grad is not None for p in head.parameters()
                   if p.requires_grad)
    # 4 tiny blocks' activations at 32 px, batch 2: >= 100 KiB more
    assert tuned_saved - frozen_saved > 100 * 1024


def test_frozen_backbone_stays_in_eval_mode():
    model = bf.build_model('parsing', SIZE, frozen=True, quick=True)
    model.train()
    assert not model.backbone.training and model.decode_head.training
    assert not any(p.requires_grad for p in model.backbone.parameters())
    out = model.backbone(torch.randn(1, 3, SIZE, SIZE))
    assert all(o.grad_fn is None for o in out)
