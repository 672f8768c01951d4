"""Samples per second of FaRL's pretraining data pipeline in one process.

    python tools/analysis_tools/benchmark_data.py [--data-root DIR]
    python tools/analysis_tools/benchmark_data.py --quick  # smoke test

Builds ``train_dataloader.dataset`` of the pretraining config (default
``configs/farl/farl_vit-b16_laion-face20m_pretrain.py``: ALIGN at 224 px,
CLIP tokenizer, BEiT mask generator, PackInputs) with ``data_root``
replaced, and runs it in this process as one dataloader worker would: read
the tar shard, decode the JPEG, choose and align a face, crop, tokenize,
mask, pack. Without ``--data-root`` the script first writes synthetic
LAION-Face shards of ``--size`` px JPEGs (quality 95) into a temporary
folder with the writer of ``tools/misc/make_synthetic_faces.py --format
laion-face``.

Two passes over the same samples, after a warm-up (tokenizer loading):
``end-to-end`` iterates the dataset itself (the number compared with the
target); ``breakdown`` repeats the dataset's steps one by one (tar read +
shuffle buffer, decode, each transform) and prints the milliseconds per
sample of each. ``--profile N`` prints cProfile's top N functions (by own
time) of a third pass.

Times are this process's CPU time (``time.process_time``; torch and
OpenCV are held to one thread, as in a dataloader worker), so that other
jobs on a shared machine do not count against the pipeline; the
wall-clock rate and the load average are printed beside it.

The target: 200 samples/s per process, so that 8 dataloader workers per GPU
(1600 samples/s) outpace a ViT-B/16 pretraining step.
"""
import argparse
import cProfile
import os
import os.path as osp
import pstats
import sys
import tempfile
import time
from collections import defaultdict

import cv2
import torch
from mmengine.config import Config

import farl_mm  # noqa: F401
from farl_mm.synthetic.writers import write_synthetic_samples
from farl_mm.registry import DATASETS

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CONFIG = osp.join(REPO, 'configs/farl/farl_vit-b16_laion-face20m_pretrain.py')
TARGET = 200.0  # samples/s per process


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--config', default=CONFIG,
                        help='config whose train_dataloader.dataset is timed')
    parser.add_argument('--data-root', help='LAION-Face shards (with '
                        'sizes.json); default: synthetic ones written first')
    parser.add_argument('--samples', type=int, default=512,
                        help='synthetic samples to write (default 512)')
    parser.add_argument('--size', type=int, default=512,
                        help='synthetic image side in px (default 512)')
    parser.add_argument('--warmup', type=int, default=16)
    parser.add_argument('--profile', type=int, default=0, metavar='N',
                        help='also print cProfile\'s top N functions')
    parser.add_argument('--quick', action='store_true',
                        help='64 samples of 256 px (smoke test)')
    return parser.parse_args(argv)


def build_dataset(config, data_root):
    cfg = Config.fromfile(config).train_dataloader.dataset
    cfg.data_root = data_root
    cfg.pop('num_samples', None)
    return DATASETS.build(cfg)


def end_to_end(dataset, warmup):
    """Wall and CPU seconds per sample of iterating the dataset, warm-up
    excluded, and the number of samples timed."""
    it = iter(dataset)
    for _ in range(warmup):
        next(it)
    count, wall, cpu = 0, time.perf_counter(), time.process_time()
    for _ in it:
        count += 1
    return ((time.perf_counter() - wall) / count,
            (time.process_time() - cpu) / count, count)


def breakdown(dataset, warmup):
    """CPU ms per sample of each step, as :meth:`LAIONFaceDataset.__iter__`
    runs them (reader 0 of 1)."""
    raw_samples = dataset._raw_samples(dataset.epoch, 0, 1)
    transforms = dataset.pipeline.transforms
    names = ['tar read', 'decode'] + [type(t).__name__ for t in transforms]
    totals, count = defaultdict(float), 0
    for i in range(warmup + len(dataset)):
        times = [time.process_time()]
        raw = next(raw_samples)
        times.append(time.process_time())
        results = dataset.decode(raw)
        times.append(time.process_time())
        for t in transforms:
            results = t(results)
            times.append(time.process_time())
            if results is None:
                break
        if i < warmup or results is None:
            continue
        count += 1
        for name, t0, t1 in zip(names, times, times[1:]):
            totals[name] += t1 - t0
    return {n: 1e3 * totals[n] / count for n in names}, count


def main(argv=None):
    if argv is None and os.environ.get('OMP_NUM_THREADS') != '1':
        # one dataloader worker = one core, as under torchrun (which sets
        # OMP_NUM_THREADS=1); OpenMP reads it only at start-up: re-run
        env = dict(os.environ, OMP_NUM_THREADS='1')
        os.execve(sys.executable, [sys.executable, *sys.argv], env)
    args = parse_args(argv)
    if args.quick:
        args.samples, args.size, args.warmup = 64, 256, 4
    # one dataloader worker = one core: PyTorch's worker loop sets one
    # torch thread, and OpenCV's pool only spins on these small images
    cv2.setNumThreads(1)
    torch.set_num_threads(1)
    with tempfile.TemporaryDirectory() as tmp:
        data_root = args.data_root
        if data_root is None:
            data_root = tmp
            start = time.perf_counter()
            write_synthetic_samples(tmp, args.samples,
                                    max(1, args.samples // 4),
                                    size=args.size)
            print(f'wrote {args.samples} synthetic samples of {args.size} px '
                  f'in {time.perf_counter() - start:.1f} s')
        dataset = build_dataset(args.config, data_root)
        print(f'pipeline: {dataset.pipeline}')
        wall, cpu, count = end_to_end(dataset, args.warmup)
        stages, _ = breakdown(dataset, args.warmup)
        if args.profile:
            profiler = cProfile.Profile()
            profiler.runcall(end_to_end, dataset, args.warmup)
            pstats.Stats(profiler).sort_stats('tottime').print_stats(
                args.profile)
    print(f'\n{"stage":<20} CPU ms/sample')
    for name, ms in stages.items():
        print(f'{name:<20} {ms:9.3f}')
    print(f'{"sum of stages":<20} {sum(stages.values()):9.3f}')
    print(f'{"end-to-end":<20} {1e3 * cpu:9.3f}  ({count} samples; wall '
          f'{1e3 * wall:.3f} ms, load average {os.getloadavg()[0]:.1f})')
    rate = 1.0 / cpu
    verdict = 'PASS' if rate >= TARGET else 'MISS'
    print(f'\n{verdict} {rate:.1f} samples per CPU-second in one process '
          f'(target >= {TARGET:.0f}): {rate / TARGET:.2f}x the target; '
          f'{1 / wall:.1f} samples/s wall clock')
    return dict(rate=rate, wall_rate=1 / wall, stages=stages, count=count)


if __name__ == '__main__':
    main()
