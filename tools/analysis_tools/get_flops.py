"""FLOPs and parameters of a config's model, as mmseg's get_flops::

    python tools/analysis_tools/get_flops.py CONFIG [--shape H [W]]
        [--cfg-options KEY=VALUE ...] [--show-table]

Counts one forward pass of one image (``mode='tensor'``: backbone, neck
and heads, no post-processing) with mmengine's ``FlopAnalyzer``, whose
convention is one multiply-add = 1 FLOP (fvcore's, the figure papers
quote: FaRL's ViT-B/16 image tower is ~17.6 GFLOPs at 224 px). The
attention products (``scaled_dot_product_attention``, which mmengine
skips) are counted too. The line below gives twice the count, the
"2 x MACs" convention of docs/benchmarks.md.

``farl_mm`` is imported first: its mmcv-lite stand-in must be in place
before any OpenMMLab model import (mmseg's own tool stops on
``No module named 'mmcv._ext'``).
"""
import argparse

import farl_mm  # noqa: F401,I001  (compatibility patches first, registries)
import torch
from mmengine.analysis import FlopAnalyzer, parameter_count
from mmengine.analysis.print_helper import complexity_stats_table
from mmengine.config import Config, DictAction
from mmengine.registry import MODELS, init_default_scope


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description='FLOPs and parameters of a model')
    parser.add_argument('config', help='config file path')
    parser.add_argument(
        '--shape', type=int, nargs='+',
        help='input H [W]; default: the backbone img_size, else 224')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='override settings of the config, key=value')
    parser.add_argument('--show-table', action='store_true',
                        help='print the per-module table')
    return parser.parse_args(argv)


def sdpa_flop(inputs, outputs):
    """``Q K^T`` and ``A V`` of ``scaled_dot_product_attention``: one
    multiply-add per product term, as mmengine counts ``matmul``."""
    from mmengine.analysis.jit_handles import get_shape
    query, key = get_shape(inputs[0]), get_shape(inputs[1])
    value = get_shape(inputs[2])
    batch = 1
    for dim in query[:-2]:
        batch *= dim
    length, depth = query[-2], query[-1]
    return batch * length * key[-2] * (depth + value[-1])


def input_shape(cfg, shape):
    if shape:
        return (shape[0], shape[-1])
    size = cfg.model.get('backbone', cfg.model).get('img_size', 224)
    return (size, size) if isinstance(size, int) else tuple(size)


def count(model, shape):
    """``(flops, params, analyzer)`` of ``model`` on one ``shape`` image."""
    inputs = (torch.zeros(1, 3, *shape),)
    analyzer = FlopAnalyzer(model, inputs).set_op_handle(
        'aten::scaled_dot_product_attention', sdpa_flop)
    analyzer.unsupported_ops_warnings(False).uncalled_modules_warnings(False)
    return analyzer.total(), parameter_count(model)[''], analyzer


def main(argv=None):
    args = parse_args(argv)
    cfg = Config.fromfile(args.config)
    if args.cfg_options:
        cfg.merge_from_dict(args.cfg_options)
    init_default_scope(cfg.get('default_scope', 'mmengine'))
    model = MODELS.build(cfg.model).eval()
    shape = input_shape(cfg, args.shape)
    with torch.no_grad():
        flops, params, analyzer = count(model, shape)
    if args.show_table:
        print(complexity_stats_table(analyzer, max_depth=3))
    line = '=' * 30
    print(f'{line}\nInput shape: (1, 3, {shape[0]}, {shape[1]})\n'
          f'Flops: {flops / 1e9:.4g} GFLOPs (one multiply-add = 1)\n'
          f'       {2 * flops / 1e9:.4g} GFLOP (2 x multiply-adds)\n'
          f'Params: {params / 1e6:.4g} M\n{line}')
    return flops, params


if __name__ == '__main__':
    main()
