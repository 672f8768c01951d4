"""Inference throughput of FaRL's parsing and alignment models, as a
fraction of a matrix-multiply peak measured in the same run.

    python tools/analysis_tools/benchmark_inference.py           # ~3 min, CPU
    python tools/analysis_tools/benchmark_inference.py --cases 224x1 \
        224x16 448x1 448x16 --device cuda
    python tools/analysis_tools/benchmark_inference.py --quick   # smoke test

The models are those of ``configs/farl/lapa_upernet.py`` (FaRLViT-B/16 +
the authors' pyramid + UperNet, 11 classes) and
``configs/farl/aflw19_upernet.py`` (FaRLViT-B/16 + the same pyramid +
UPerHeatmapHead, 19 heatmaps of 128x128), random
weights, ``img_size`` set per case (448: the 448 configs' backbone). The
timed call is the network, ``model(x, None, mode='tensor')`` in ``eval()``
and ``torch.inference_mode()``: parsing logits at 1/4 of the input,
alignment heatmaps; no data preprocessing or post-processing.

FLOPs are counted once per model and size by PyTorch's own
``torch.utils.flop_counter.FlopCounterMode`` (convolutions, matmuls and
attention; 2 FLOPs per multiply-add; interpolations and normalisations
are not counted). The peak is the fastest ``torch.mm`` of two 2048x2048
fp32 matrices at the same thread count, timed between the model
iterations (so that load from other processes hits both alike). img/s
and GFLOP/s come from each case's fastest iteration, after a one-image
warm-up (a batch-16 forward at 224 px is ~2.6 TFLOP: one iteration is
tens of seconds on a CPU). With one CPU thread (``OMP_NUM_THREADS=1``)
both are timed in this process's CPU time, so that other jobs sharing
the machine do not count; otherwise in wall-clock time. Target: >= 60%
of the peak at batch 16.

``--channels-last`` also times the models with every convolution's
weights and the input in channels-last memory format (on the 2-core CPU
of docs/benchmarks.md it did not help: oneDNN's NCHW
convolutions already run at the matmul peak).
"""
import argparse

import torch
from mmengine.registry import MODELS
from torch.utils.flop_counter import FlopCounterMode

import farl_mm  # noqa: F401
from farl_mm.utils.benchmark import TASK_CONFIGS, clock, task_config, timed
TARGET_PEAK_FRACTION = 0.6  # at batch 16
PEAK_SIDE = 2048


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--tasks', nargs='+', default=list(TASK_CONFIGS),
                        choices=list(TASK_CONFIGS))
    parser.add_argument('--cases', nargs='+', default=None,
                        help='SIZExBATCH (default: 224x1 224x16 448x1, with '
                        '--quick 64x1 64x16 128x1; 448x16 takes about a '
                        'minute per iteration on 2 cores)')
    parser.add_argument('--iters', type=int, default=1,
                        help='timed iterations per case (default 1), after '
                        'a one-image warm-up')
    parser.add_argument('--channels-last', action='store_true',
                        help='also time channels-last convolutions')
    parser.add_argument('--device', default='cpu')
    parser.add_argument('--quick', action='store_true',
                        help='tiny models at 64/128 px (smoke test)')
    return parser.parse_args(argv)


def build_model(task, img_size, quick, device):
    cfg = task_config(task, quick)
    cfg.model.backbone.update(img_size=img_size, init_cfg=None)
    model = MODELS.build(cfg.model).to(device)
    return model.eval()


def count_flops(model, img_size, device):
    """FLOPs of one image's forward pass."""
    x = torch.randn(1, 3, img_size, img_size, device=device)
    counter = FlopCounterMode(display=False)
    with torch.inference_mode(), counter:
        model(x, None, mode='tensor')
    return counter.get_total_flops()


class MatmulPeak:
    """Fastest 2048x2048 fp32 ``torch.mm`` seen so far, in GFLOP/s."""

    def __init__(self, device):
        gen = torch.Generator().manual_seed(0)
        self.a, self.b = (torch.randn(PEAK_SIDE, PEAK_SIDE, generator=gen)
                          .to(device) for _ in range(2))
        self.device = device
        self.best = 0.0
        self.probe()  # warm-up

    def probe(self, repeats=3):
        flops = 2 * PEAK_SIDE**3
        for _ in range(repeats):
            seconds = timed(lambda: torch.mm(self.a, self.b), self.device)
            self.best = max(self.best, flops / seconds / 1e9)
        return self.best


def to_channels_last(model):
    """Channels-last weights for every convolution; returns the model."""
    for module in model.modules():
        if isinstance(module, torch.nn.Conv2d):
            module.to(memory_format=torch.channels_last)
    return model


def run_case(model, size, batch, iters, peak, device, channels_last=False):
    """Seconds of the fastest of ``iters`` timed forward passes."""
    x = torch.randn(batch, 3, size, size, device=device)
    if channels_last:
        x = x.contiguous(memory_format=torch.channels_last)
    best = float('inf')
    with torch.inference_mode():
        model(x[:1], None, mode='tensor')  # warm-up, one image
        for _ in range(iters):
            peak.probe()
            best = min(best, timed(lambda: model(x, None, mode='tensor'),
                                   device))
    return best


def main(argv=None):
    args = parse_args(argv)
    if args.cases is None:
        args.cases = (['64x1', '64x16', '128x1'] if args.quick else
                      ['224x1', '224x16', '448x1'])
    cases = [tuple(int(v) for v in c.split('x')) for c in args.cases]
    layouts = ['contiguous'] + (['channels-last'] if args.channels_last
                                else [])
    peak = MatmulPeak(args.device)
    rows = []
    for task in args.tasks:
        for size in sorted({s for s, _ in cases}):
            model = build_model(task, size, args.quick, args.device)
            flops = count_flops(model, size, args.device)
            for layout in layouts:
                if layout == 'channels-last':
                    to_channels_last(model)
                for _, batch in sorted(c for c in cases if c[0] == size):
                    seconds = run_case(model, size, batch, args.iters, peak,
                                       args.device, layout != 'contiguous')
                    rows.append(dict(task=task, size=size, batch=batch,
                                     layout=layout, gflop=flops / 1e9,
                                     seconds=seconds))
                    print(f'{task} {size}x{batch} {layout}: '
                          f'{1e3 * seconds:.0f} ms', flush=True)
    print(f'\nthreads: {torch.get_num_threads()}, device: {args.device}, '
          f'clock: {clock(args.device).__name__}, matmul peak fp32: '
          f'{peak.best:.1f} GFLOP/s\n')
    print('| task | px x batch | layout | GFLOP/img | img/s | ms/iter '
          '| GFLOP/s | % of matmul peak |')
    print('|---|---|---|---|---|---|---|---|')
    for r in rows:
        rate = r['batch'] * r['gflop'] / r['seconds']
        r['fraction'] = rate / peak.best
        print(f'| {r["task"]} | {r["size"]}x{r["batch"]} | {r["layout"]} | '
              f'{r["gflop"]:.1f} | {r["batch"] / r["seconds"]:.2f} | '
              f'{1e3 * r["seconds"]:.0f} | {rate:.1f} | '
              f'{100 * r["fraction"]:.0f}% |')
    print()
    for r in rows:
        if r['batch'] < 16:
            continue
        verdict = 'PASS' if r['fraction'] >= TARGET_PEAK_FRACTION else 'MISS'
        print(f'{verdict} {r["task"]} {r["size"]}x{r["batch"]} {r["layout"]}'
              f': {100 * r["fraction"]:.0f}% of the matmul peak (target >= '
              f'{100 * TARGET_PEAK_FRACTION:.0f}%)')
    return rows, peak.best


if __name__ == '__main__':
    main()
