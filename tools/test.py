"""Evaluate a checkpoint of any farl_mm / mmseg / mmpose / mmpretrain config.

    python tools/test.py CONFIG CHECKPOINT [--work-dir DIR] [--dump preds.pkl]
        [--out OUT] [--show] [--show-dir DIR] [--wait-time S] [--tta]
    bash tools/dist_test.sh CONFIG CHECKPOINT GPUS [...]

The switches mean what they mean in the config's library's own
``tools/test.py`` (its ``default_scope``: mmseg, mmpose or mmpretrain):

``--out``       mmseg: a label PNG per image (at the image's own size);
                mmpose: the metrics (mmengine.dump, format by extension);
                mmpretrain: a pickle of every prediction.
``--show-dir``  one image per test sample with the prediction drawn
                (the config's visualisation hook and visualizer); face
                parsing draws on the original photo, where FaceParser
                scores, the others as their library does (mmpose: the
                photo; mmpretrain: the aligned face the model saw).
``--tta``       flip test: face parsing mirrors back with left/right
                classes swapped (``farl_mm.FaceParser`` ``test_cfg.flip``,
                the dataset's ``flip_pairs``), landmarks with mmpose's
                ``flip_test`` (the dataset's ``flip_indices``), attributes
                average the scores of the face and its mirror
                (mmpretrain's default TTA; no CelebA / LFWA / FairFace
                attribute is left/right, and training flips at random).
                Stock mmseg configs use their ``tta_model``/``tta_pipeline``.
"""
import argparse
import copy
import os.path as osp

import farl_mm  # noqa: F401  (compatibility patches, registries)
from farl_mm.utils import (add_runner_args, build_runner, close_process_group,
                           load_config)

# each library's --wait-time default (seconds)
WAIT_TIME = dict(mmseg=2.0, mmpose=1.0, mmpretrain=2.0)
HOOK_TYPES = dict(mmseg='SegVisualizationHook',
                  mmpose='PoseVisualizationHook',
                  mmpretrain='VisualizationHook')


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description='Test (and evaluate) a model')
    parser.add_argument('config', help='test config file path')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument(
        '--dump', metavar='FILE',
        help='also save every prediction to FILE (.pkl) for rescoring')
    parser.add_argument(
        '--out', metavar='PATH',
        help='as the config\'s library: mmseg, a folder of label PNGs '
        'named after their images, at each image\'s own size; mmpose, a '
        'file of the metrics; mmpretrain, a .pkl of the predictions')
    parser.add_argument('--show', action='store_true',
                        help='display each prediction in a window')
    parser.add_argument(
        '--show-dir', metavar='DIR',
        help='save an image of each prediction, drawn, to DIR')
    parser.add_argument(
        '--wait-time', type=float, metavar='S',
        help='seconds each --show window stays (default: the library\'s)')
    parser.add_argument('--tta', action='store_true',
                        help='flip test-time augmentation')
    return add_runner_args(parser).parse_args(argv)


def library_of(cfg):
    """``mmseg``, ``mmpose`` or ``mmpretrain``: the config's default scope."""
    scope = cfg.get('default_scope')
    if scope not in HOOK_TYPES:
        raise SystemExit(
            f'default_scope is {scope!r}: --out, --show, --show-dir and '
            '--tta follow the library of the config, set default_scope to '
            'mmseg, mmpose or mmpretrain')
    return scope


def trigger_visualization_hook(cfg, args, library):
    """Switch the config's visualisation hook on, as the library's tool."""
    hook = cfg.get('default_hooks', {}).get('visualization')
    if hook is None:
        raise SystemExit(
            '--show/--show-dir need a visualisation hook: add default_hooks'
            f'.visualization=dict(type=\'{HOOK_TYPES[library]}\', '
            'interval=1) to the config (farl_mm\'s task configs have it)')
    wait_time = (WAIT_TIME[library] if args.wait_time is None
                 else args.wait_time)
    if library == 'mmseg':
        hook.draw = True
        if args.show:
            hook.update(show=True, wait_time=wait_time)
        if args.show_dir:  # files: DIR/vis_data/vis_image/test_NAME_0.png
            cfg.visualizer.save_dir = args.show_dir
    else:  # mmpose / mmpretrain: DIR/NAME_0.EXT, every sample
        hook.update(enable=True, show=args.show, interval=1,
                    out_dir=osp.abspath(args.show_dir)
                    if args.show_dir else None)
        if args.show:
            hook.wait_time = wait_time


def apply_tta(cfg, library):
    """Flip test-time augmentation where the task has one."""
    model = cfg.model
    if str(model.get('type')).endswith('FaceParser'):
        model.test_cfg = dict(model.get('test_cfg') or {}, flip=True)
        model.test_cfg.setdefault('flip_pairs', _flip_pairs(cfg))
    elif library == 'mmseg':
        if 'tta_model' not in cfg or 'tta_pipeline' not in cfg:
            raise SystemExit(
                '--tta: this mmseg config has no tta_model / tta_pipeline; '
                'face parsers (farl_mm.FaceParser) flip with their classes '
                'swapped instead')
        cfg.test_dataloader.dataset.pipeline = cfg.tta_pipeline
        cfg.tta_model.module = cfg.model
        cfg.model = cfg.tta_model
    elif library == 'mmpose':
        # the flipped heatmaps are mirrored back with the landmarks' left /
        # right order swapped (flip_indices of the dataset's metainfo, which
        # PackPoseInputs passes on)
        model.test_cfg = dict(model.get('test_cfg') or {}, flip_test=True)
        model.test_cfg.setdefault('flip_mode', 'heatmap')
        model.test_cfg.setdefault('shift_heatmap', _heatmap_shift(model))
    else:  # mmpretrain: average the scores of the image and its mirror
        pipeline = cfg.test_dataloader.dataset.pipeline
        tta_pipeline = cfg.get('tta_pipeline') or [
            *copy.deepcopy(pipeline[:-1]),
            dict(type='TestTimeAug', transforms=[
                [dict(type='RandomFlip', prob=1.),
                 dict(type='RandomFlip', prob=0.)],
                [pipeline[-1]]])]
        tta_model = cfg.get('tta_model') or dict(
            type='mmpretrain.AverageClsScoreTTA')
        cfg.model = dict(tta_model, module=cfg.model)
        cfg.test_dataloader.dataset.pipeline = tta_pipeline


def _heatmap_shift(model):
    """Whether a mirrored heatmap lands nearer one pixel off than in place.

    The codec puts input pixel x at x * h / w (heatmap width h, input w):
    mirrored, it comes back at x * h / w - (h / w * (w - 1) - (h - 1)),
    0.43 heatmap pixels off for 224 -> 128, 0.75 for 128 -> 32. mmpose
    shifts by a whole pixel or not at all: the nearer one.
    """
    codec = (model.get('head') or {}).get('decoder') or {}
    if 'input_size' not in codec or 'heatmap_size' not in codec:
        return False
    w, h = codec['input_size'][0], codec['heatmap_size'][0]
    return h / w * (w - 1) - (h - 1) >= 0.5


def _flip_pairs(cfg):
    """The test dataset's left/right class pairs (its ``METAINFO``)."""
    from mmseg.registry import DATASETS
    dataset = cfg.test_dataloader.dataset
    pairs = (dataset.get('metainfo') or {}).get('flip_pairs')
    if pairs is None:
        cls = DATASETS.get(dataset.type)
        pairs = getattr(cls, 'METAINFO', {}).get('flip_pairs')
    if pairs is None:
        raise SystemExit(
            f'--tta: the test dataset {dataset.type} names no left/right '
            'class pairs; set test_dataloader.dataset.metainfo.flip_pairs '
            '(e.g. [[2, 3], [4, 5]]) or model.test_cfg.flip_pairs')
    return pairs


def apply_out(cfg, out, library):
    if library == 'mmseg':  # mmseg's IoUMetric (FaceParsingF1) writes PNGs
        metric = cfg.test_evaluator
        if not (isinstance(metric, dict) and str(metric.get('type')).endswith(
                ('FaceParsingF1', 'IoUMetric'))):
            raise SystemExit('--out writes face-parsing label maps: the '
                             'test_evaluator must be one FaceParsingF1 or '
                             'IoUMetric')
        metric.output_dir = out
    elif library == 'mmpretrain':
        _add_dump(cfg, out)
    # mmpose: main() dumps the metrics after the test


def _add_dump(cfg, path):
    assert path.endswith(('.pkl', '.pickle')), f'{path} must be a .pkl file'
    evaluators = cfg.test_evaluator
    if not isinstance(evaluators, (list, tuple)):
        evaluators = [evaluators]
    cfg.test_evaluator = [
        *evaluators, dict(type='DumpResults', out_file_path=path)]


def apply_test_args(cfg, args):
    cfg.load_from = args.checkpoint
    # refuse another task's checkpoint, or one without the head's weights
    cfg.custom_hooks = [
        *cfg.get('custom_hooks', []),
        dict(type='farl_mm.CheckpointTaskHook', check_loaded=True)]
    if args.show or args.show_dir or args.tta or args.out is not None:
        library = library_of(cfg)
    if args.show or args.show_dir:
        trigger_visualization_hook(cfg, args, library)
    if args.tta:
        apply_tta(cfg, library)
    if args.out is not None:
        apply_out(cfg, args.out, library)
    if args.dump is not None:
        _add_dump(cfg, args.dump)
    return cfg


def main(argv=None):
    args = parse_args(argv)
    cfg = apply_test_args(load_config(args), args)
    metrics = build_runner(cfg).test()
    if args.out is not None and cfg.get('default_scope') == 'mmpose':
        import mmengine
        from mmengine.dist import is_main_process
        if is_main_process():
            mmengine.dump(metrics, args.out)
    close_process_group()
    return metrics


if __name__ == '__main__':
    main()
