"""Layer study (paper §4.5, Figure 4): the same head fed one backbone
level, repeated, instead of the multi-level set; one run per level, the
metric plotted per level. Any task config whose backbone is a FaRLViT:
face parsing (Figure 4a, LaPa), face alignment, attributes (Figure 4b)::

    python tools/analysis_tools/layer_study.py \
        configs/farl/lapa_upernet.py --layers 2..12 \
        --out work_dirs/layer_study/lapa.png [--multi-level] \
        [--metric f1_mean]

Levels are 1-based as in the paper (level k = block k). Every backbone
tap becomes block k, so the neck and head keep their inputs and weights'
shapes and all see that one level. ``--multi-level`` also runs the
unchanged config and draws it as a horizontal line. A markdown table is
written next to the plot (``.md``).
"""
import argparse
import copy
import os
import os.path as osp

import farl_mm  # noqa: F401  (compat patches, registries)
from farl_mm.models.backbones.farl_vit import FaRLViT
from farl_mm.utils import (add_runner_args, load_config, markdown_table,
                           pick_metric, run_variant)


def parse_levels(text):
    """``'2..12'`` or ``'2,4,6'`` -> list of ints."""
    if '..' in text:
        lo, hi = (int(t) for t in text.split('..'))
        return list(range(lo, hi + 1))
    return [int(t) for t in text.split(',')]


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description='backbone level study')
    parser.add_argument('config')
    parser.add_argument('--layers', type=parse_levels, default='2..12',
                        help="levels, '2..12' or '2,6,9'")
    parser.add_argument('--multi-level', action='store_true',
                        help='also run the unchanged multi-level config')
    parser.add_argument('--metric', help='metric key (default: the first '
                        'one the test returns)')
    parser.add_argument('--out', required=True, help='PNG path')
    return add_runner_args(parser).parse_args(argv)


def _arch_settings(backbone):
    arch = backbone.get('arch', 'base')
    return arch if isinstance(arch, dict) else \
        FaRLViT.arch_zoo[arch.lower()]


def single_level_config(cfg, level):
    """``cfg`` with every tap of the backbone on block ``level`` (1-based):
    the same number of features, all of that one level."""
    cfg = copy.deepcopy(cfg)
    backbone = cfg.model.backbone
    settings = _arch_settings(backbone)
    if not 1 <= level <= settings['num_layers']:
        raise ValueError(
            f'level {level} is not a block of the backbone '
            f'({backbone.get("arch", "base")!r}: levels 1..'
            f'{settings["num_layers"]})')
    taps = backbone.get('out_indices') or settings.get(
        'out_indices', (settings['num_layers'] - 1, ))
    backbone.out_indices = (level - 1, ) * len(taps)
    return cfg


def plot(levels, values, key, multi, out):
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    fig, ax = plt.subplots(figsize=(5, 3.5))
    ax.plot(levels, values, 'o-', label='single level')
    if multi is not None:
        ax.axhline(multi, color='tab:red', ls='--', label='multi-level')
    ax.set_xlabel('Backbone level')
    ax.set_ylabel(key)
    ax.set_xticks(levels)
    ax.grid(alpha=0.3)
    ax.legend()
    fig.tight_layout()
    fig.savefig(out, dpi=120)
    plt.close(fig)


def main(argv=None):
    args = parse_args(argv)
    base = load_config(args)
    values, key = [], None
    for level in args.layers:
        metrics, _ = run_variant(single_level_config(base, level),
                                 f'level_{level}')
        key, value = pick_metric(metrics, args.metric)
        values.append(value)
    multi = None
    if args.multi_level:
        metrics, _ = run_variant(base, 'multi_level')
        multi = pick_metric(metrics, key)[1]
    os.makedirs(osp.dirname(osp.abspath(args.out)), exist_ok=True)
    plot(args.layers, values, key, multi, args.out)
    rows = [[level, v] for level, v in zip(args.layers, values)]
    if multi is not None:
        rows.append(['multi-level', multi])
    with open(osp.splitext(args.out)[0] + '.md', 'w') as f:
        f.write(markdown_table(['level', key], rows))
    return dict(zip(args.layers, values), multi_level=multi)


if __name__ == '__main__':
    main()
