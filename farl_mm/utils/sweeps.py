"""Train-then-test runs of one config's variants, for the few-shot and
layer-study tools (paper Tables 2 / 9, Figure 4)."""
import copy
import os.path as osp
import time

from .runner_args import build_runner


def run_variant(cfg, name):
    """Train ``cfg`` and test the final model.

    Each variant gets its own ``work_dir/name`` and unique experiment and
    visualizer names, so several runs in one process keep separate logs and
    checkpoints.

    Returns:
        tuple[dict, int]: the test metrics and the training-set size.
    """
    cfg = copy.deepcopy(cfg)
    cfg.work_dir = osp.join(cfg.work_dir, name)
    cfg.experiment_name = f'{name}_{time.strftime("%Y%m%d_%H%M%S")}'
    if cfg.get('visualizer') is not None:  # a singleton keyed by its name
        cfg.visualizer.name = cfg.experiment_name
    runner = build_runner(cfg)
    runner.train()
    metrics = runner.test()
    return metrics, len(runner.train_dataloader.dataset)


def pick_metric(metrics, key=None):
    """``metrics[key]``; without a key the only, or first, metric."""
    if key is None:
        key = next(iter(metrics))
    if key not in metrics:
        raise KeyError(f'no metric {key!r}; the test returned '
                       f'{sorted(metrics)}')
    return key, float(metrics[key])


def markdown_table(header, rows):
    """A GitHub markdown table (numbers with two decimals)."""
    def cell(v):
        return f'{v:.2f}' if isinstance(v, float) else str(v)
    lines = ['| ' + ' | '.join(header) + ' |',
             '|' + '---|' * len(header)]
    lines += ['| ' + ' | '.join(cell(v) for v in row) + ' |' for row in rows]
    return '\n'.join(lines) + '\n'
