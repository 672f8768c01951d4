"""Peak memory of a FaRL pretraining step with and without activation
checkpointing.

    python tools/analysis_tools/benchmark_memory.py             # ~2.5 min
    python tools/analysis_tools/benchmark_memory.py --depths 12  # full depth
    python tools/analysis_tools/benchmark_memory.py --quick      # smoke test

The step is ITC + MIM (``farl_mm.FaRL`` with ``MaskedFaRLViT``, the CLIP
text tower, the 1-block MIM head and the frozen DALL-E tokenizer at 112 px,
random weights) at ViT-B/16 widths, 224 px, batch 32, fp32, AdamW.
``with_cp=True`` checkpoints every block of both towers.

Each (checkpointing, depth) variant runs in a process forked from the
parent before any model ran. It builds the model, allocates the gradients
and AdamW's moments (a step on zero gradients), resets the resident
high-water mark (``/proc/self/clear_refs``), runs one training step and
reads the high-water mark (``VmHWM``). The step's memory is that minus the
resident size before the step: activations saved for backward plus the
transients of the step, on top of weights, gradients and optimizer state.

A fp32 ViT-B/16 step at batch 32 without checkpointing needs about 12 GB
and a few minutes on two cores, so by default the towers keep ViT-B's
widths but only 1 and 2 blocks each: every block adds the same activation
memory, so a line through the two points gives the full depth (12 blocks)
by extrapolation, printed as such.
"""
import argparse
import contextlib
import ctypes
import multiprocessing
import os
import statistics
import time

import torch

from farl_mm.utils.benchmark import build_pretrain, total_loss

TARGET_REDUCTION = 0.40
SETTINGS = {
    'full': dict(setting='full', batch=32, depths=(1, 2), full_depth=12),
    'quick': dict(setting='quick', batch=64, depths=(2, 4), full_depth=8),
}


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--quick', action='store_true',
                        help='tiny towers at 64 px (smoke test)')
    parser.add_argument('--batch', type=int)
    parser.add_argument('--depths', type=int, nargs='+',
                        help='blocks per tower to measure (default 1 2)')
    parser.add_argument('--tokenizer', default='dalle',
                        choices=['dalle', 'random-projection'])
    return parser.parse_args()


def rss_bytes():
    with open('/proc/self/statm') as f:
        return int(f.read().split()[1]) * os.sysconf('SC_PAGE_SIZE')


def peak_rss_bytes():
    """VmHWM: the resident high-water mark since the last reset."""
    with open('/proc/self/status') as f:
        for line in f:
            if line.startswith('VmHWM:'):
                return int(line.split()[1]) * 1024
    raise OSError('no VmHWM in /proc/self/status')


def reset_peak_rss():
    """Set VmHWM to the current RSS (Linux >= 4.0)."""
    with open('/proc/self/clear_refs', 'w') as f:
        f.write('5')


def fixed_mmap_threshold():
    """Tensors from 128 KiB up get their own mappings, returned on free.

    glibc otherwise raises its mmap threshold (up to 32 MiB) after the
    first frees, and later tensors reuse heap pages that are already
    resident: the high-water mark would miss them.
    """
    with contextlib.suppress(OSError, AttributeError):
        libc = ctypes.CDLL('libc.so.6')
        libc.mallopt(-3, 128 * 1024)  # M_MMAP_THRESHOLD
        libc.mallopt(-1, 128 * 1024)  # M_TRIM_THRESHOLD


def measure(spec, conn):
    """One variant, in a process forked before any model ran."""
    fixed_mmap_threshold()
    model, images, samples, params = build_pretrain(
        spec['setting'], spec['depth'], spec['batch'], spec['tokenizer'],
        spec['with_cp'])
    opt = torch.optim.AdamW(params, lr=1e-6, weight_decay=0.05)
    for p in params:  # gradients and AdamW moments exist before the step
        p.grad = torch.zeros_like(p)
    opt.step()
    reset_peak_rss()
    before = rss_bytes()
    start = time.perf_counter()
    losses = model.loss(images, samples)
    total_loss(losses).backward()
    opt.step()
    seconds = time.perf_counter() - start
    conn.send(dict(spec, before=before, peak=peak_rss_bytes(),
                   seconds=seconds))
    conn.close()


def run_variant(spec):
    """``measure`` in a fresh forked process: no allocator cache from an
    earlier variant hides pages from the high-water mark."""
    ctx = multiprocessing.get_context('fork')
    parent, child = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=measure, args=(spec, child))
    proc.start()
    child.close()
    try:
        result = parent.recv()
    except EOFError:
        result = None
    proc.join()
    if result is None or proc.exitcode:
        raise SystemExit(f'variant {spec} failed (exit code '
                         f'{proc.exitcode}; out of memory?)')
    return result


def line_through(points):
    """Least-squares ``a + b * depth`` of ``(depth, value)`` points."""
    xs, ys = zip(*points)
    if len(set(xs)) == 1:
        return ys[0], 0.0
    mx, my = statistics.fmean(xs), statistics.fmean(ys)
    b = sum((x - mx) * (y - my) for x, y in points) / sum(
        (x - mx)**2 for x in xs)
    return my - b * mx, b


def main():
    args = parse_args()
    cfg = SETTINGS['quick' if args.quick else 'full']
    batch = args.batch or cfg['batch']
    depths = args.depths or cfg['depths']
    start = time.perf_counter()
    rows = []
    for depth in depths:
        for with_cp in (False, True):
            rows.append(run_variant(dict(
                setting=cfg['setting'], depth=depth, batch=batch,
                with_cp=with_cp, tokenizer=args.tokenizer)))
    gib = 2.0**30
    print('\n| blocks per tower | with_cp | batch | step memory GiB | '
          'peak RSS GiB | step s |')
    print('|---|---|---|---|---|---|')
    for r in rows:
        print(f'| {r["depth"]} | {r["with_cp"]} | {r["batch"]} | '
              f'{(r["peak"] - r["before"]) / gib:.2f} | '
              f'{r["peak"] / gib:.2f} | {r["seconds"]:.1f} |')
    print()
    full = cfg['full_depth']
    deepest = max(depths)
    verdicts = []
    for depth, label in ((deepest, 'measured'), (full, 'extrapolated')):
        if label == 'extrapolated' and (len(set(depths)) < 2
                                        or full in depths):
            continue
        mem = {}
        for with_cp in (False, True):
            points = [(r['depth'], r['peak'] - r['before']) for r in rows
                      if r['with_cp'] == with_cp]
            a, b = line_through(points)
            mem[with_cp] = a + b * depth
            if label == 'extrapolated':
                print(f'with_cp={with_cp}: step memory = '
                      f'{a / gib:.2f} + {b / gib:.3f} GiB x blocks')
        reduction = 1 - mem[True] / mem[False]
        verdicts.append(
            f'{"PASS" if reduction >= TARGET_REDUCTION else "MISS"} '
            f'{label} {depth} blocks, batch {batch}: step memory '
            f'{mem[False] / gib:.2f} GiB -> {mem[True] / gib:.2f} GiB with '
            f'checkpointing, {reduction:.0%} less (target >= '
            f'{TARGET_REDUCTION:.0%})')
    print('\n'.join(verdicts))
    if args.quick:
        print('(--quick: tiny towers; the target is for ViT-B/16)')
    print(f'\ntotal {time.perf_counter() - start:.0f} s')


if __name__ == '__main__':
    main()
