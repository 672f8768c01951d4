"""Distributed training on CPU with gloo (``torchrun`` / slurm without GPUs).

mmengine's launch helpers call ``torch.cuda.set_device`` and default to nccl,
and the Runner wraps the model in DDP with ``device_ids=[local_rank]``, which
DDP rejects for a CPU module. Without CUDA, the pytorch and slurm launchers
initialise a gloo process group instead, and DDP gets ``device_ids=None``;
SyncBN layers (CUDA-only in PyTorch) are reverted to BN with a warning.
The Runner's environment log shows the backend in use, not the config's
nccl, and counts processes, not GPUs ("GPU number: 0").

Global: the launcher is initialised by the Runner before any config
component is built, and mmengine's ``init_dist`` calls
``torch.cuda.set_device`` whatever ``env_cfg.dist_cfg.backend`` says, so
no config key can avoid it. Applied only on machines without CUDA.
"""
import functools
import logging
import os
import subprocess

import torch
import torch.distributed as torch_dist
from mmengine.dist import utils as dist_utils
from mmengine.logging import print_log
from mmengine.model import MMDistributedDataParallel, revert_sync_batchnorm
from mmengine.runner import Runner


def needed() -> bool:
    return not torch.cuda.is_available() and not getattr(
        dist_utils._init_dist_pytorch, '_farl_mm_cpu', False)


def _init_dist_pytorch(backend='gloo', init_backend='torch', **kwargs):
    torch_dist.init_process_group(backend='gloo', **kwargs)


def _init_dist_slurm(backend='gloo', port=None, init_backend='torch',
                     **kwargs):
    """mmengine's slurm set-up without the GPU count: one process per task."""
    node_list = os.environ['SLURM_NODELIST']
    addr = subprocess.getoutput(
        f'scontrol show hostname {node_list} | head -n1')
    if port is not None:
        os.environ['MASTER_PORT'] = str(port)
    os.environ.setdefault('MASTER_PORT', '29500')
    os.environ.setdefault('MASTER_ADDR', addr)
    os.environ['WORLD_SIZE'] = os.environ['SLURM_NTASKS']
    os.environ['LOCAL_RANK'] = os.environ.get('SLURM_LOCALID', '0')
    os.environ['RANK'] = os.environ['SLURM_PROCID']
    torch_dist.init_process_group(backend='gloo', **kwargs)


_mmengine_log_env = Runner._log_env


def _log_env(self, env_cfg):
    """mmengine's environment log, with what a CPU run really uses."""
    shown = dict(env_cfg)
    if torch_dist.is_available() and torch_dist.is_initialized():
        shown['dist_cfg'] = dict(env_cfg.get('dist_cfg', {}),
                                 backend=torch_dist.get_backend())
    shown['CPU processes'] = self._world_size
    world_size, self._world_size = self._world_size, 0  # "GPU number"
    try:
        _mmengine_log_env(self, shown)
    finally:
        self._world_size = world_size


def apply() -> None:
    _init_dist_pytorch._farl_mm_cpu = True
    dist_utils._init_dist_pytorch = _init_dist_pytorch
    dist_utils._init_dist_slurm = _init_dist_slurm
    Runner._log_env = _log_env

    original_init = MMDistributedDataParallel.__init__

    @functools.wraps(original_init)
    def __init__(self, module, *args, **kwargs):
        if not any(p.is_cuda for p in module.parameters()):
            kwargs['device_ids'] = None
            if any(isinstance(m, torch.nn.SyncBatchNorm)
                   for m in module.modules()):
                print_log('SyncBN needs CUDA: reverted to per-process BN.',
                          logger='current', level=logging.WARNING)
                module = revert_sync_batchnorm(module)
        original_init(self, module, *args, **kwargs)

    MMDistributedDataParallel.__init__ = __init__
