"""Train a farl_mm / mmseg / mmpose / mmpretrain config with MMEngine.

    python tools/train.py CONFIG [--work-dir DIR] [--resume [CKPT]] [--amp]
    bash tools/dist_train.sh CONFIG GPUS [...]     # torchrun, one node or many
    bash tools/slurm_train.sh PARTITION JOB CONFIG WORK_DIR [...]
"""
import argparse
import logging

from mmengine.logging import print_log

import farl_mm  # noqa: F401  (compatibility patches, registries)
from farl_mm.apis import (add_runner_args, build_runner, close_process_group,
                          load_config)


def parse_args():
    parser = argparse.ArgumentParser(description='Train a model')
    parser.add_argument('config', help='train config file path')
    parser.add_argument(
        '--resume', nargs='?', type=str, const='auto',
        help='resume from CKPT, or without a value from the latest '
        'checkpoint in the work dir')
    parser.add_argument(
        '--amp', action='store_true',
        help='mixed precision: fp16 with loss scaling on GPU, bf16 on CPU')
    return add_runner_args(parser).parse_args()


def apply_train_args(cfg, args):
    """``--amp`` and ``--resume``, as OpenMMLab's train tools read them."""
    if args.amp:
        wrapper = cfg.optim_wrapper.get('type', 'OptimWrapper')
        if wrapper == 'AmpOptimWrapper':
            print_log('AMP is already enabled in the config.',
                      logger='current', level=logging.WARNING)
        else:
            assert wrapper == 'OptimWrapper', (
                '`--amp` is only supported when the optimizer wrapper type is '
                f'`OptimWrapper` but got {wrapper}.')
            cfg.optim_wrapper.type = 'AmpOptimWrapper'
            cfg.optim_wrapper.setdefault('loss_scale', 'dynamic')
    if args.resume == 'auto':
        cfg.resume = True
        cfg.load_from = None
    elif args.resume is not None:
        cfg.resume = True
        cfg.load_from = args.resume
    return cfg


# On for every run of this tool: exact resume (generator states in the
# checkpoints) and no optimizer step from a NaN/inf loss.
DEFAULT_HOOKS = ('farl_mm.RNGStateHook', 'farl_mm.NonFiniteLossHook')


def add_default_hooks(cfg):
    """Append :data:`DEFAULT_HOOKS` the config does not list already."""
    hooks = list(cfg.get('custom_hooks') or [])
    listed = {h['type'].split('.')[-1] for h in hooks
              if isinstance(h, dict) and isinstance(h.get('type'), str)}
    hooks += [dict(type=name) for name in DEFAULT_HOOKS
              if name.split('.')[-1] not in listed]
    cfg.custom_hooks = hooks
    return cfg


def main():
    args = parse_args()
    cfg = add_default_hooks(apply_train_args(load_config(args), args))
    build_runner(cfg).train()
    close_process_group()


if __name__ == '__main__':
    main()
