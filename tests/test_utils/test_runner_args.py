"""The tools' shared plumbing: the clean exit from a distributed run, the
process-group timeout and what a timed-out collective means."""
import argparse
import os.path as osp

import pytest
import torch.distributed as dist
from mmengine.config import Config

from farl_mm.utils import (FrozenRankError, close_process_group, load_config,
                           report_frozen_rank)
from farl_mm.utils.runner_args import DIST_TIMEOUT


def test_destroys_the_group_after_a_barrier(tmp_path):
    store = dist.FileStore(str(tmp_path / 'store'), 1)
    dist.init_process_group('gloo', store=store, rank=0, world_size=1)
    try:
        assert dist.is_initialized()
        close_process_group()
        assert not dist.is_initialized()
    finally:
        if dist.is_initialized():
            dist.destroy_process_group()


def test_is_a_no_op_without_a_group():
    assert not dist.is_initialized()
    close_process_group()
    assert not dist.is_initialized()


def _load(config, **options):
    return load_config(argparse.Namespace(
        config=config, launcher='none', cfg_options=options or None,
        work_dir=None, local_rank=0))


def test_a_process_group_timeout_of_minutes_by_default(repo_root):
    """torch's default is 30 minutes; a config's own value is kept."""
    lapa = osp.join(repo_root, 'configs', 'farl', 'lapa_upernet.py')
    assert _load(lapa).env_cfg.dist_cfg == dict(backend='nccl',
                                                 timeout=DIST_TIMEOUT)
    assert DIST_TIMEOUT == 600
    assert _load(lapa, **{'env_cfg.dist_cfg.timeout': 30}
                 ).env_cfg.dist_cfg.timeout == 30


def test_a_timed_out_collective_is_reported_as_a_frozen_rank(tmp_path):
    store = dist.FileStore(str(tmp_path / 'store'), 1)
    dist.init_process_group('gloo', store=store, rank=0, world_size=1)
    cfg = Config(dict(env_cfg=dict(dist_cfg=dict(timeout=5))))
    gloo = ('[../third_party/gloo/gloo/transport/tcp/unbound_buffer.cc:78] '
            'Timed out waiting 5000ms for recv operation to complete')
    try:
        with pytest.raises(FrozenRankError, match=r'^Rank 0 of 1 waited 5 s '
                           r'\(env_cfg.dist_cfg.timeout\)') as err, \
                report_frozen_rank(cfg):
            raise RuntimeError(gloo)
        assert str(err.value.__cause__) == gloo
        loader = 'DataLoader timed out after 5 seconds'
        with pytest.raises(RuntimeError, match=f'^{loader}$'), \
                report_frozen_rank(cfg):
            raise RuntimeError(loader)
    finally:
        dist.destroy_process_group()
