"""Frozen-backbone training against fine-tuning: step time and memory.

    python tools/analysis_tools/benchmark_frozen.py [--tasks parsing]
    python tools/analysis_tools/benchmark_frozen.py --quick    # smoke test

The paper's "FaRL" rows train only the heads on a frozen ViT-B/16
(``frozen_stages=12`` in ``configs/farl/lapa_upernet.py`` and
``aflw19_upernet.py``). Nothing then needs the backbone's backward: no
parameter of it requires a gradient and its input (the preprocessed image)
does not either, so autograd records none of its operations and keeps none
of its activations. This script checks that and measures what it saves: the
same model (one set of random weights) and the same batch, one training
step each (``model.train_step``: data preprocessor, forward, loss,
backward, AdamW step) with the backbone frozen and fine-tuned
(``frozen_stages=-1``).

Reported per task and mode: the fastest step of ``--iters`` (after a
warm-up; in this process's CPU time when it runs one CPU thread, so that
other jobs on a shared machine do not count, else wall-clock), the
backbone parameters that get a gradient, whether the backbone outputs
carry an autograd graph, and the bytes autograd saves for the backward
(``torch.autograd.graph.saved_tensors_hooks``, each storage once): the
activation memory a step holds at its peak on top of weights and optimizer
states. On CUDA the peak of ``torch.cuda.max_memory_allocated`` is
printed too.
"""
import argparse

import torch
from mmengine.optim import OptimWrapper
from mmengine.registry import MODELS
from mmengine.structures import InstanceData, PixelData

import farl_mm  # noqa: F401
# the same models as benchmark_inference.py, timed the same way
from farl_mm.utils.benchmark import TASK_CONFIGS, task_config, timed


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--tasks', nargs='+', default=list(TASK_CONFIGS),
                        choices=list(TASK_CONFIGS))
    parser.add_argument('--size', type=int, default=224)
    parser.add_argument('--batch', type=int, default=2)
    parser.add_argument('--iters', type=int, default=1,
                        help='timed steps per mode (default 1), after a '
                        'warm-up step')
    parser.add_argument('--device', default='cpu')
    parser.add_argument('--quick', action='store_true',
                        help='tiny models at 64 px, batch 4 (smoke test)')
    return parser.parse_args(argv)


def build_model(task, size, frozen, quick=False, device='cpu'):
    """The task's config model at ``size`` px, backbone fully frozen or
    trainable, random weights (seed 0)."""
    cfg = task_config(task, quick)
    backbone = cfg.model.backbone
    num_layers = MODELS.get('farl_mm.FaRLViT').arch_zoo[
        backbone.arch]['num_layers']
    backbone.update(img_size=size, init_cfg=None,
                    frozen_stages=num_layers if frozen else -1)
    if 'size' in cfg.model.data_preprocessor:
        cfg.model.data_preprocessor.size = (size, size)
    torch.manual_seed(0)
    return MODELS.build(cfg.model).to(device)


def make_batch(task, model, size, batch, seed=0):
    """``train_step`` input: uint8 images and ground truth of the task."""
    gen = torch.Generator().manual_seed(seed)
    inputs = [torch.randint(0, 256, (3, size, size), generator=gen,
                            dtype=torch.uint8) for _ in range(batch)]
    meta = dict(img_shape=(size, size), ori_shape=(size, size),
                pad_shape=(size, size), input_size=(size, size),
                input_center=(size / 2, size / 2),
                input_scale=(size, size))
    samples = []
    for _ in range(batch):
        if task == 'parsing':
            from mmseg.structures import SegDataSample
            sample = SegDataSample(metainfo=meta)
            num_classes = model.decode_head.num_classes
            sample.gt_sem_seg = PixelData(data=torch.randint(
                0, num_classes, (1, size, size), generator=gen))
        else:
            from mmpose.structures import PoseDataSample
            sample = PoseDataSample(metainfo=meta)
            k = model.head.out_channels
            w, h = model.head.decoder.heatmap_size
            sample.gt_fields = PixelData(heatmaps=torch.rand(
                k, h, w, generator=gen))
            sample.gt_instance_labels = InstanceData(
                keypoint_weights=torch.ones(1, k))
        samples.append(sample)
    return dict(inputs=inputs, data_samples=samples)


class SavedBytes:
    """Bytes autograd saves for backward inside the context."""

    def __init__(self):
        self.storages = {}

    def pack(self, tensor):
        storage = tensor.untyped_storage()
        self.storages[storage.data_ptr()] = storage.nbytes()
        return tensor

    def __enter__(self):
        self.hooks = torch.autograd.graph.saved_tensors_hooks(
            self.pack, lambda t: t)
        self.hooks.__enter__()
        return self

    def __exit__(self, *exc):
        self.hooks.__exit__(*exc)

    @property
    def total(self):
        return sum(self.storages.values())


def instrumented_backward(model, data):
    """One training forward and backward outside the optimizer; returns
    the bytes autograd saved, whether any backbone output carries a graph
    and how many backbone parameters got a gradient."""
    outputs = []
    handle = model.backbone.register_forward_hook(
        lambda m, args, out: outputs.extend(out))
    model.train()
    model.zero_grad(set_to_none=True)
    try:
        with SavedBytes() as saved:
            losses = model.loss(**model.data_preprocessor(data, True))
    finally:
        handle.remove()
    model.parse_losses(losses)[0].backward()
    graph = any(o.requires_grad or o.grad_fn is not None for o in outputs)
    grads = sum(p.grad is not None for p in model.backbone.parameters())
    model.zero_grad(set_to_none=True)
    return saved.total, graph, grads


def measure(model, data, iters, device):
    """One mode's figures (see the module docstring)."""
    trainable = [p for p in model.parameters() if p.requires_grad]
    wrapper = OptimWrapper(torch.optim.AdamW(trainable, lr=1e-4))
    model.train()
    model.train_step(data, wrapper)  # warm-up; creates optimizer states
    if device.startswith('cuda'):
        torch.cuda.synchronize()
        torch.cuda.reset_peak_memory_stats()
    best = min(timed(lambda: model.train_step(data, wrapper), device)
               for _ in range(iters))
    peak = (torch.cuda.max_memory_allocated() if device.startswith('cuda')
            else None)
    saved, graph, grads = instrumented_backward(model, data)
    return dict(
        step_s=best, saved_mib=saved / 2**20, peak_mib=(
            None if peak is None else peak / 2**20),
        trainable=sum(p.numel() for p in trainable), backbone_grads=grads,
        graph=graph)


def main(argv=None):
    args = parse_args(argv)
    if args.quick:
        args.size, args.batch = 64, 4
    rows = []
    for task in args.tasks:
        frozen = build_model(task, args.size, True, args.quick, args.device)
        tuned = build_model(task, args.size, False, args.quick, args.device)
        tuned.load_state_dict(frozen.state_dict())  # same weights
        data = make_batch(task, frozen, args.size, args.batch)
        for mode, model in (('frozen', frozen), ('fine-tuned', tuned)):
            r = dict(task=task, mode=mode,
                     **measure(model, data, args.iters, args.device))
            rows.append(r)
            print(f'{task} {mode}: {r}', flush=True)
    print(f'\n{args.size} px, batch {args.batch}, {args.device}, threads '
          f'{torch.get_num_threads()}\n')
    print('| task | backbone | step ms | saved activations MiB | peak MiB '
          '| trainable params | backbone params with grad | backbone '
          'graph recorded |')
    print('|---|---|---|---|---|---|---|---|')
    for r in rows:
        peak = '-' if r['peak_mib'] is None else f'{r["peak_mib"]:.0f}'
        print(f'| {r["task"]} | {r["mode"]} | {1e3 * r["step_s"]:.0f} | '
              f'{r["saved_mib"]:.1f} | {peak} | {r["trainable"] / 1e6:.2f}M '
              f'| {r["backbone_grads"]} | {r["graph"]} |')
    print()
    for frozen, tuned in zip(rows[::2], rows[1::2]):
        ok = frozen['backbone_grads'] == 0 and not frozen['graph']
        print(f'{"PASS" if ok else "FAIL"} {frozen["task"]}: the frozen '
              f'backbone gets {frozen["backbone_grads"]} gradients and '
              f'records {"a" if frozen["graph"] else "no"} graph; step '
              f'{tuned["step_s"] / frozen["step_s"]:.2f}x faster, '
              f'{tuned["saved_mib"] / max(frozen["saved_mib"], 1e-9):.1f}x '
              'less saved activation memory than fine-tuning')
    return rows


if __name__ == '__main__':
    main()
