"""Images/s and model FLOP utilisation of the FaRL pretraining step (bf16).

    python tools/analysis_tools/gpu_pretrain_benchmark.py              # GPU
    python tools/analysis_tools/gpu_pretrain_benchmark.py --batch 128 \
        --compile                                  # bigger, compiled towers
    python tools/analysis_tools/gpu_pretrain_benchmark.py --device cpu \
        --tiny                                     # smoke test, seconds

The step is the one of ``configs/farl/farl_vit-b16_laion-face20m_pretrain.py``
on one device: ``farl_mm.FaRL`` with the ViT-B/16 image tower (224 px), the
CLIP text tower, ITC + MIM (75 of 196 patches masked, 1-block MIM head,
frozen DALL-E tokenizer at 112 px with random weights), AdamW, forward and
loss under ``torch.autocast(dtype=torch.bfloat16)``.

- **images/s**: batch / median step time over ``--steps`` steps after
  ``--warmup`` (CUDA synchronised around each step).
- **FLOPs**: counted by ``torch.utils.flop_counter.FlopCounterMode`` over
  one whole eager step before any timing (matmuls, convolutions and
  attention, forward and backward, the tokenizer's forward included and
  reported apart). Without
  ``--with-cp`` nothing is recomputed, so these are the model FLOPs.
- **MFU**: achieved FLOP/s over the peak of a square bf16 matmul measured in
  the same run on the same device (a datasheet peak is printed when the
  device is known, for reference only).
"""
import argparse
import statistics
import time

import torch
from torch.utils.flop_counter import FlopCounterMode

from farl_mm.utils.benchmark import build_pretrain, synchronize, total_loss

# Dense bf16 tensor-core peaks (no sparsity), TFLOP/s, for reference only.
DATASHEET_BF16 = {'H100 80GB HBM3': 989.0, 'H100 PCIe': 756.0,
                  'H200': 989.0, 'A100': 312.0}


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--device', default='cuda')
    parser.add_argument('--tiny', action='store_true',
                        help='tiny towers at 64 px (CPU smoke test)')
    parser.add_argument('--batch', type=int, default=None,
                        help='images per step (default 64; --tiny 8)')
    parser.add_argument('--steps', type=int, default=None,
                        help='timed steps (default 10; --tiny 2)')
    parser.add_argument('--warmup', type=int, default=3)
    parser.add_argument('--tokenizer', default='dalle',
                        choices=['dalle', 'random-projection'])
    parser.add_argument('--with-cp', action='store_true',
                        help='activation checkpointing (FLOPs then include '
                        'the recomputation)')
    parser.add_argument('--compile', action='store_true',
                        help='torch.compile the two towers')
    parser.add_argument('--matmul-size', type=int, default=None,
                        help='side of the peak-probe matmul (8192; --tiny '
                        '512)')
    return parser.parse_args()


def matmul_peak(device, size, iters=10):
    """Best FLOP/s of a square bf16 matmul on ``device``."""
    a = torch.randn(size, size, device=device, dtype=torch.bfloat16)
    b = torch.randn(size, size, device=device, dtype=torch.bfloat16)
    best = float('inf')
    for _ in range(iters):
        synchronize(device)
        start = time.perf_counter()
        a @ b
        synchronize(device)
        best = min(best, time.perf_counter() - start)
    return 2 * size**3 / best


def build(args, device):
    model, images, samples, params = build_pretrain(
        'quick' if args.tiny else 'full', 0, args.batch, args.tokenizer,
        args.with_cp)
    model = model.to(device)
    images = images.to(device)
    samples = [s.to(device) for s in samples]
    opt = torch.optim.AdamW(params, lr=1e-6, weight_decay=0.05,
                            fused=device.type == 'cuda')
    return model, images, samples, opt


def main():
    args = parse_args()
    device = torch.device(args.device)
    if device.type == 'cuda' and not torch.cuda.is_available():
        raise SystemExit('no CUDA device: run with --device cpu --tiny for '
                         'the smoke test')
    args.batch = args.batch or (8 if args.tiny else 64)
    steps = args.steps or (2 if args.tiny else 10)
    name = torch.cuda.get_device_name(device) if device.type == 'cuda' \
        else 'CPU'
    print(f'torch {torch.__version__}, device {name}')
    model, images, samples, opt = build(args, device)

    def step():
        opt.zero_grad(set_to_none=True)
        with torch.autocast(device.type, dtype=torch.bfloat16):
            losses = model.loss(images, samples)
            loss = total_loss(losses)
        loss.backward()
        opt.step()
        return losses

    # FLOPs of the eager model (compiled kernels escape FlopCounterMode).
    counter = FlopCounterMode(display=False)
    with counter:
        step()
    flops = counter.get_total_flops()
    tok_counter = FlopCounterMode(display=False)
    with tok_counter, torch.autocast(device.type, dtype=torch.bfloat16):
        model.target_generator(images)
    tokenizer_flops = tok_counter.get_total_flops()
    if args.compile:
        model.backbone = torch.compile(model.backbone)
        model.text_backbone = torch.compile(model.text_backbone)
    for _ in range(args.warmup):
        step()
    if device.type == 'cuda':
        torch.cuda.reset_peak_memory_stats(device)
    times = []
    for _ in range(steps):
        synchronize(device)
        start = time.perf_counter()
        losses = step()
        synchronize(device)
        times.append(time.perf_counter() - start)
    peak = matmul_peak(device, args.matmul_size or (512 if args.tiny
                                                    else 8192))
    seconds = statistics.median(times)
    achieved = flops / seconds
    print(f'batch {args.batch}, {steps} steps after {args.warmup} warm-up; '
          f'loss_itc {losses["loss_itc"].item():.3f} loss_mim '
          f'{losses["loss_mim"].item():.3f}')
    print(f'step {seconds * 1e3:.1f} ms (min {min(times) * 1e3:.1f}), '
          f'{args.batch / seconds:.1f} images/s')
    print(f'step FLOPs {flops / 1e12:.4g} T ({flops / args.batch / 1e9:.1f} '
          f'GFLOP per image, tokenizer {tokenizer_flops / flops:.0%})')
    print(f'achieved {achieved / 1e12:.4g} TFLOP/s; bf16 matmul peak '
          f'measured {peak / 1e12:.4g} TFLOP/s; MFU {achieved / peak:.1%}')
    sheet = next((v for k, v in DATASHEET_BF16.items() if k in name), None)
    if sheet:
        print(f'datasheet dense bf16 peak {sheet:.0f} TFLOP/s: '
              f'{achieved / 1e12 / sheet:.1%} of it')
    if device.type == 'cuda':
        gib = torch.cuda.max_memory_allocated(device) / 2**30
        print(f'peak memory {gib:.2f} GiB')


if __name__ == '__main__':
    main()
