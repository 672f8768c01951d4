"""Evaluate a checkpoint of any farl_mm / mmseg / mmpose / mmpretrain config.

    python tools/test.py CONFIG CHECKPOINT [--work-dir DIR] [--dump preds.pkl]
        [--out PNG_DIR]
    bash tools/dist_test.sh CONFIG CHECKPOINT GPUS [...]
"""
import argparse

import farl_mm  # noqa: F401  (compatibility patches, registries)
from farl_mm.utils import (add_runner_args, build_runner, close_process_group,
                           load_config)


def parse_args():
    parser = argparse.ArgumentParser(description='Test (and evaluate) a model')
    parser.add_argument('config', help='test config file path')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument(
        '--dump', metavar='FILE',
        help='also save every prediction to FILE (.pkl) for rescoring')
    parser.add_argument(
        '--out', metavar='DIR',
        help='face parsing: also write each prediction as a label PNG named '
        'after its image, at the image\'s own size')
    return add_runner_args(parser).parse_args()


def apply_test_args(cfg, args):
    cfg.load_from = args.checkpoint
    # refuse another task's checkpoint, or one without the head's weights
    cfg.custom_hooks = [
        *cfg.get('custom_hooks', []),
        dict(type='farl_mm.CheckpointTaskHook', check_loaded=True)]
    if args.out is not None:  # the parsing metric (mmseg's IoUMetric) writes
        metric = cfg.test_evaluator
        if not (isinstance(metric, dict) and str(metric.get('type')).endswith(
                ('FaceParsingF1', 'IoUMetric'))):
            raise SystemExit('--out writes face-parsing label maps: the '
                             'test_evaluator must be one FaceParsingF1 or '
                             'IoUMetric')
        metric.output_dir = args.out
    if args.dump is not None:
        assert args.dump.endswith(('.pkl', '.pickle')), \
            '--dump must be a .pkl file'
        evaluators = cfg.test_evaluator
        if not isinstance(evaluators, (list, tuple)):
            evaluators = [evaluators]
        cfg.test_evaluator = [
            *evaluators, dict(type='DumpResults', out_file_path=args.dump)]
    return cfg


def main():
    args = parse_args()
    cfg = apply_test_args(load_config(args), args)
    build_runner(cfg).test()
    close_process_group()


if __name__ == '__main__':
    main()
