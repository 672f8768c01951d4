"""What ``tools/train.py`` and ``tools/test.py`` share: the OpenMMLab
command-line switches, folded into a config, and the Runner built from it."""
import os
import os.path as osp

import torch.distributed as dist
from mmengine.config import Config, DictAction
from mmengine.dist import barrier, is_distributed
from mmengine.registry import RUNNERS
from mmengine.runner import Runner
from mmengine.utils import import_modules_from_strings


def add_runner_args(parser):
    """``--work-dir``, ``--cfg-options``, ``--launcher``, ``--local-rank``."""
    parser.add_argument('--work-dir', help='the dir to save logs and models')
    parser.add_argument(
        '--cfg-options', nargs='+', action=DictAction,
        help='override settings of the config, key=value pairs')
    parser.add_argument(
        '--launcher', choices=['none', 'pytorch', 'slurm', 'mpi'],
        default='none', help='job launcher')
    # torch.distributed.launch passes --local-rank; torchrun sets LOCAL_RANK
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)
    return parser


def load_config(args):
    """The config of ``args.config`` with the shared switches applied."""
    os.environ.setdefault('LOCAL_RANK', str(args.local_rank))
    cfg = Config.fromfile(args.config)
    cfg.launcher = args.launcher
    if args.cfg_options is not None:
        cfg.merge_from_dict(args.cfg_options)
        # Config.fromfile imported the file's custom_imports before the
        # options were merged: import what they added (e.g. a hook).
        if cfg.get('custom_imports'):
            import_modules_from_strings(**cfg.custom_imports)
    if args.work_dir is not None:
        cfg.work_dir = args.work_dir
    elif cfg.get('work_dir') is None:
        cfg.work_dir = osp.join('./work_dirs',
                                osp.splitext(osp.basename(args.config))[0])
    return cfg


def close_process_group():
    """Let every rank leave together once its run has succeeded.

    MMEngine never destroys the process group it creates. A gloo rank that
    exits with the group alive can abort at interpreter shutdown ("terminate
    called without an active exception", SIGABRT; pytorch/pytorch#190489),
    most often the rank that finishes first while rank 0 still writes the
    last checkpoint. The barrier waits for that write; only then is the
    group destroyed. Not called after an error: a rank that failed must not
    wait for the others.
    """
    if is_distributed():
        barrier()
        dist.destroy_process_group()


def build_runner(cfg):
    """mmpose's own tools ignore ``runner_type``; these honour it."""
    if 'runner_type' in cfg:
        return RUNNERS.build(cfg)
    return Runner.from_cfg(cfg)
