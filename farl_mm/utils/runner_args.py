"""What the tools that run a config share (``tools/train.py``,
``tools/test.py``, the sweeps): the OpenMMLab command-line switches, folded
into a config, the Runner built from it, and a clean distributed exit."""
import contextlib
import os
import os.path as osp
import re

import torch.distributed as dist
from mmengine.config import Config, DictAction
from mmengine.dist import barrier, get_dist_info, is_distributed
from mmengine.registry import RUNNERS
from mmengine.runner import Runner
from mmengine.utils import import_modules_from_strings

# Seconds a collective waits for a rank that does not come before it fails
# (``env_cfg.dist_cfg.timeout``): torch's default is 30 minutes.
DIST_TIMEOUT = 600


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
    env_cfg = cfg.get('env_cfg') or dict(dist_cfg=dict(backend='nccl'))
    env_cfg.setdefault('dist_cfg', {}).setdefault('timeout', DIST_TIMEOUT)
    cfg.env_cfg = env_cfg
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


# gloo: "Timed out waiting 5000ms for recv operation to complete"; nccl's
# watchdog: "Watchdog caught collective operation timeout: WorkNCCL(...)"
_COLLECTIVE_TIMEOUT = re.compile(
    r'timed out waiting \d+ ?ms for \w+ operation|collective operation '
    r'timeout', re.I)


def _is_collective_timeout(err):
    """Not any timeout: a data loader's, say, is no frozen rank."""
    return bool(_COLLECTIVE_TIMEOUT.search(str(err))) or (
        isinstance(err, dist.DistError) and 'timeout' in str(err).lower())


class FrozenRankError(RuntimeError):
    """A collective timed out: another rank stopped answering."""


@contextlib.contextmanager
def report_frozen_rank(cfg):
    """Say what a timed-out collective means and what sets its limit.

    gloo's own message names neither ("Timed out waiting 600000ms for recv
    operation to complete"). The rank that raises this exits, and the
    launcher (torchrun, srun) ends the others, the frozen one included.
    """
    try:
        yield
    except RuntimeError as err:
        if not (is_distributed() and _is_collective_timeout(err)):
            raise
        rank, world_size = get_dist_info()
        timeout = cfg.get('env_cfg', {}).get('dist_cfg', {}).get('timeout')
        raise FrozenRankError(
            f'Rank {rank} of {world_size} waited {timeout} s '
            '(env_cfg.dist_cfg.timeout) in a collective for a rank that '
            'never joined: another rank is frozen or has died, see its log. '
            'If a rank legitimately needs longer (e.g. to save a large '
            'checkpoint), raise env_cfg.dist_cfg.timeout.') from err


def build_runner(cfg):
    """mmpose's own tools ignore ``runner_type``; these honour it."""
    if 'runner_type' in cfg:
        return RUNNERS.build(cfg)
    return Runner.from_cfg(cfg)
