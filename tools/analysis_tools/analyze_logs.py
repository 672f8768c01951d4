"""Loss / metric curves and training speed from mmengine's json logs
(``WORK_DIR/TIMESTAMP/vis_data/scalars.json``), as mmseg's and
mmpretrain's analyze_logs::

    python tools/analysis_tools/analyze_logs.py plot_curve LOG [LOG ...] \
        [--keys loss mIoU] [--legend A B] [--title T] [--out curves.png]
    python tools/analysis_tools/analyze_logs.py cal_train_time LOG [LOG ...] \
        [--include-outliers]

Training lines are those with a ``loss``; a key is plotted from every line
that has it, against ``step`` (mmengine's global iteration, or the epoch of
an epoch-based validation). Without ``--out`` the figure is shown.
"""
import argparse
import json
from itertools import groupby

import numpy as np


def load_scalars(path):
    """One dict per line of an mmengine ``scalars.json``."""
    with open(path) as f:
        return [json.loads(line) for line in f if line.strip()]


def train_lines(lines):
    return [line for line in lines if 'loss' in line]


def curves(logs, keys, legend=None):
    """``label -> (steps, values)`` for each log and key, ready to plot.

    Raises KeyError naming the log and the keys it has when a key is in
    none of its lines.
    """
    legend = legend or list(logs)
    if len(legend) != len(logs) * len(keys) and len(legend) != len(logs):
        raise ValueError(f'--legend needs {len(logs)} (one per log) or '
                         f'{len(logs) * len(keys)} (per log and key) names, '
                         f'got {len(legend)}')
    series = {}
    for i, (name, lines) in enumerate(logs.items()):
        for j, key in enumerate(keys):
            points = [(line.get('step', line.get('iter')), line[key])
                      for line in lines if key in line]
            if not points:
                found = sorted({k for line in lines for k in line})
                raise KeyError(f'{name}: no {key!r} in any line; it has '
                               f'{", ".join(found)}')
            label = legend[i * len(keys) + j] if len(legend) > len(logs) \
                else (f'{legend[i]}: {key}' if len(keys) > 1 else legend[i])
            series[label] = tuple(np.array(v) for v in zip(*points))
    return series


def plot_curve(logs, keys, legend=None, title=None, out=None):
    """Plot :func:`curves`; save to ``out`` (or show). Returns the series."""
    import matplotlib
    if out:
        matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    series = curves(logs, keys, legend)
    fig, ax = plt.subplots(figsize=(6, 4))
    for label, (steps, values) in series.items():
        ax.plot(steps, values, label=label, marker='.' if len(steps) < 20
                else None)
    ax.set_xlabel('step')
    ax.set_ylabel(', '.join(keys))
    ax.legend()
    if title:
        ax.set_title(title)
    fig.tight_layout()
    if out:
        fig.savefig(out, dpi=100)
        print(f'save curve to: {out}')
    else:
        plt.show()
    plt.close(fig)
    return series


def cal_train_time(lines, include_outliers=False):
    """Average seconds per training iteration (``time`` of each logged
    line). The first logged line of the run (of each epoch, for an
    epoch-based run) is left out unless ``include_outliers``: it carries
    the warm-up. Returns ``(average, per-epoch averages or None)``."""
    train = train_lines(lines)
    if not train:
        raise ValueError('no training lines (with a "loss") in the log')
    skip = 0 if include_outliers else 1
    by_epoch = 'epoch' in train[0]
    groups = [[line['time'] for line in group][skip:] for _, group in
              groupby(train, lambda line: line.get('epoch'))]
    times = [t for group in groups for t in group]
    epochs = np.array([np.mean(g) for g in groups if g]) if by_epoch \
        else None
    if not times:
        raise ValueError('only one logged training line: add '
                         '--include-outliers to use it')
    return float(np.mean(times)), epochs


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description='Analyze json logs')
    sub = parser.add_subparsers(dest='task', required=True)
    plot = sub.add_parser('plot_curve', help='plot keys against steps')
    plot.add_argument('json_logs', nargs='+', help='scalars.json files')
    plot.add_argument('--keys', nargs='+', default=['loss'],
                      help='the keys to plot')
    plot.add_argument('--legend', nargs='+',
                      help='one name per log (or per log and key)')
    plot.add_argument('--title', help='figure title')
    plot.add_argument('--out', help='save the figure here instead of '
                      'showing it')
    speed = sub.add_parser('cal_train_time',
                           help='average time per training iteration')
    speed.add_argument('json_logs', nargs='+', help='scalars.json files')
    speed.add_argument('--include-outliers', action='store_true',
                       help='keep the first logged line (of each epoch)')
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    logs = {path: load_scalars(path) for path in args.json_logs}
    if args.task == 'plot_curve':
        return plot_curve(logs, args.keys, args.legend, args.title, args.out)
    results = {}
    for path, lines in logs.items():
        average, epochs = cal_train_time(lines, args.include_outliers)
        print(f'-----Analyze train time of {path}-----')
        if epochs is not None:
            print(f'slowest epoch {epochs.argmax() + 1}, average time is '
                  f'{epochs.max():.4f} s/iter')
            print(f'fastest epoch {epochs.argmin() + 1}, average time is '
                  f'{epochs.min():.4f} s/iter')
            print(f'time std over epochs is {epochs.std():.4f}')
        print(f'average iter time: {average:.4f} s/iter')
        results[path] = average
    return results


if __name__ == '__main__':
    main()
