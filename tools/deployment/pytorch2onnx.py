"""Export a farl_mm parsing or alignment model to ONNX and check it.

    python tools/deployment/pytorch2onnx.py CONFIG CHECKPOINT OUT.onnx \
        [--size 224|448] [--verify] [--opset 17]

The graph's input ``image`` is the face crop the config's test pipeline
makes (aligned and tanh-warped for parsing, the box crop for alignment):
float32 ``(N, 3, S, S)`` BGR pixels in [0, 255]; the model's
normalisation is inside the graph. Its output ``logits`` is the head's:
parsing logits at S/4 (resize them and undo the warp, as
``farl_mm.FaceParser`` does) or alignment heatmap logits (decode them with
the config's codec). ``--verify`` runs onnxruntime on random crops and
prints the largest difference from PyTorch.
"""
import argparse

import farl_mm  # noqa: F401  (compatibility patches, registries)
from farl_mm.apis import init_face_aligner, init_face_parser
from farl_mm.deployment.onnx import OPSET, export_onnx, onnx_parity


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('config')
    parser.add_argument('checkpoint', help="a checkpoint, or 'none' for "
                        'random weights (to try the export)')
    parser.add_argument('out', help='the .onnx file')
    parser.add_argument('--size', type=int, help='input side in pixels '
                        "(default: the backbone's img_size)")
    parser.add_argument('--opset', type=int, default=OPSET)
    parser.add_argument('--verify', action='store_true',
                        help='compare onnxruntime with PyTorch')
    return parser.parse_args()


def build_model(config, checkpoint):
    """The parsing (mmseg) or alignment (mmpose) model of ``config``."""
    from mmengine.config import Config
    cfg = Config.fromfile(config)
    checkpoint = None if checkpoint.lower() == 'none' else checkpoint
    if cfg.model.type.endswith('PoseEstimator'):  # mmpose's, farl_mm's
        return init_face_aligner(cfg, checkpoint)
    if 'decode_head' in cfg.model:
        return init_face_parser(cfg, checkpoint)
    raise ValueError(f'{config}: model.type={cfg.model.type!r} is neither '
                     'a segmentor (decode_head) nor a pose estimator; '
                     'only parsing and alignment models export')


def main():
    args = parse_args()
    model = build_model(args.config, args.checkpoint)
    wrapped, size = export_onnx(model, args.out, args.size, args.opset)
    print(f'{args.out}: input image (N, 3, {size}, {size}) BGR 0-255, '
          f'opset {args.opset}')
    if args.verify:
        diff, scale = onnx_parity(wrapped, args.out, size)
        print(f'onnxruntime vs PyTorch: max abs diff {diff:.3g} '
              f'(logits up to {scale:.3g})')
        if diff >= 1e-3:
            raise SystemExit(f'{args.out}: parity failed, {diff:.3g} >= 1e-3')


if __name__ == '__main__':
    main()
