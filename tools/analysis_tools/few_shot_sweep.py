"""Few-shot sweep (paper Tables 2 and 9): train a config on seeded, nested
fractions of its training set, test each, and write one table::

    python tools/analysis_tools/few_shot_sweep.py \
        configs/farl/celeba_attributes.py \
        --fractions 0.002 0.005 0.01 0.02 1 --out work_dirs/fs/table.md
    # LFWA: --fractions 0.05 0.1 0.2 0.5 1

The subsets are ``farl_mm.few_shot_subset`` (a prefix of one seeded
permutation), so the 0.2% samples are among the 0.5% ones, and so on. The
schedule is the config's, unchanged for every fraction.
"""
import argparse
import copy
import os
import os.path as osp

import farl_mm  # noqa: F401  (compat patches, registries)
from farl_mm.utils import (add_runner_args, load_config, markdown_table,
                           pick_metric, run_variant)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description='few-shot sweep')
    parser.add_argument('config')
    parser.add_argument('--fractions', type=float, nargs='+', required=True)
    parser.add_argument('--seed', type=int, default=0,
                        help='subset seed (nested across fractions)')
    parser.add_argument('--metric', help='metric key to tabulate (default: '
                        'the first one the test returns)')
    parser.add_argument('--out', required=True, help='markdown table path')
    return add_runner_args(parser).parse_args(argv)


def few_shot_config(cfg, fraction, seed):
    """``cfg`` training on ``fraction`` of its training set."""
    cfg = copy.deepcopy(cfg)
    full = cfg.train_dataloader.dataset
    cfg.train_dataloader.dataset = dict(
        type='farl_mm.few_shot_subset', dataset=full, fraction=fraction,
        seed=seed)
    return cfg


def main(argv=None):
    args = parse_args(argv)
    base = load_config(args)
    rows = []
    for fraction in args.fractions:
        cfg = few_shot_config(base, fraction, args.seed)
        metrics, num = run_variant(cfg, f'fraction_{fraction:g}')
        key, value = pick_metric(metrics, args.metric)
        rows.append([f'{fraction * 100:g}%', num, value])
    os.makedirs(osp.dirname(osp.abspath(args.out)), exist_ok=True)
    header = [f'fraction (seed {args.seed})', '# train', key]
    with open(args.out, 'w') as f:
        f.write(f'{osp.basename(args.config)}, final model on the test '
                'split\n\n' + markdown_table(header, rows))
    print(open(args.out).read())
    return rows


if __name__ == '__main__':
    main()
