"""Small helpers shared across tasks, and the tools' runner plumbing."""
from .runner_args import (FrozenRankError, add_runner_args, build_runner,
                          close_process_group, load_config,
                          report_frozen_rank)
from .sweeps import markdown_table, pick_metric, run_variant

__all__ = [
    'add_runner_args', 'load_config', 'build_runner', 'close_process_group',
    'report_frozen_rank', 'FrozenRankError', 'markdown_table', 'pick_metric',
    'run_variant'
]
