"""Train a farl_mm / mmseg / mmpose / mmpretrain config with MMEngine.

    python tools/train.py CONFIG [--work-dir DIR] [--resume [CKPT]] [--amp]
        [--auto-scale-lr] [--no-validate]
    bash tools/dist_train.sh CONFIG GPUS [...]     # torchrun, one node or many
    bash tools/slurm_train.sh PARTITION JOB CONFIG WORK_DIR [...]
"""
import argparse
import logging

from mmengine.logging import print_log

import farl_mm  # noqa: F401  (compatibility patches, registries)
from farl_mm.engine.resume import resolve_resume
from farl_mm.utils.preflight import check_config_inputs
from farl_mm.utils import (add_runner_args, build_runner, close_process_group,
                           load_config, report_frozen_rank)


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
    parser.add_argument(
        '--auto-scale-lr', action='store_true',
        help='scale the learning rate by the actual global batch over the '
        "config's auto_scale_lr.base_batch_size (linear scaling rule)")
    parser.add_argument(
        '--no-validate', action='store_true',
        help='train without validation (no val loop, loader or evaluator)')
    return add_runner_args(parser).parse_args()


def apply_train_args(cfg, args):
    """``--amp``, ``--auto-scale-lr``, ``--no-validate`` and ``--resume``,
    as OpenMMLab's train tools read them."""
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
    if args.auto_scale_lr:
        if 'base_batch_size' not in (cfg.get('auto_scale_lr') or {}):
            raise ValueError(
                f'--auto-scale-lr: {args.config} has no '
                'auto_scale_lr.base_batch_size; add e.g. '
                "auto_scale_lr = dict(base_batch_size=GLOBAL_BATCH) with the "
                "global batch its optimizer's lr is set for")
        cfg.auto_scale_lr.enable = True
    if args.no_validate:
        cfg.val_cfg = cfg.val_dataloader = cfg.val_evaluator = None
    if args.resume == 'auto':
        cfg.resume = True
        cfg.load_from = None
    elif args.resume is not None:
        cfg.resume = True
        cfg.load_from = args.resume
    return cfg


# On for every run of this tool: exact resume (generator states in the
# checkpoints), no optimizer step from a NaN/inf loss, and the task named
# in every checkpoint (inference refuses another task's).
DEFAULT_HOOKS = ('farl_mm.RNGStateHook', 'farl_mm.NonFiniteLossHook',
                 'farl_mm.CheckpointTaskHook')


# mmengine's CheckpointHook, as OpenMMLab's configs name it: this tool
# saves with farl_mm's crash-safe subclass instead (same arguments).
STOCK_CHECKPOINT_HOOKS = ('CheckpointHook', 'mmengine.CheckpointHook')


def add_default_hooks(cfg):
    """Append :data:`DEFAULT_HOOKS` the config does not list already, and
    make a stock checkpoint hook ``farl_mm.CheckpointHook``."""
    checkpoint = (cfg.get('default_hooks') or {}).get('checkpoint')
    if (isinstance(checkpoint, dict)
            and checkpoint.get('type') in STOCK_CHECKPOINT_HOOKS):
        checkpoint['type'] = 'farl_mm.CheckpointHook'
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
    resolve_resume(cfg)  # before the Runner seeds anything
    check_config_inputs(cfg)  # every missing data / weight file at once
    with report_frozen_rank(cfg):
        build_runner(cfg).train()
    close_process_group()


if __name__ == '__main__':
    main()
