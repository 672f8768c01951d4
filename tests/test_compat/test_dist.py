"""``farl_mm.compat.dist``: torchrun and slurm launches train on CPU (gloo).

mmengine's launchers call ``torch.cuda.set_device`` and the Runner gives DDP
``device_ids=[local_rank]``; without CUDA both fail.
"""
import ast
import os
import os.path as osp
import re
import sys
import time

import pytest
import torch

sys.path.insert(0, osp.join(osp.dirname(__file__), '..', 'helpers'))
import tiny_lapa  # noqa: E402

CPU_ONLY = pytest.mark.skipif(torch.cuda.is_available(),
                              reason='tests the CPU-only code path')

INIT_DIST_TWICE = """
import torch.distributed as dist
from mmengine.dist import init_dist
try:
    init_dist('pytorch')
except Exception as err:
    print('stock:', type(err).__name__, err)
else:
    print('stock: ok')
import farl_mm
init_dist('pytorch', backend='nccl')  # what OpenMMLab configs ask for
print('patched:', dist.get_backend(), dist.get_world_size())
dist.destroy_process_group()
"""


@CPU_ONLY
def test_init_dist_fails_without_patch_and_uses_gloo_with_it():
    env = dict(RANK='0', WORLD_SIZE='1', LOCAL_RANK='0',
               MASTER_ADDR='127.0.0.1', MASTER_PORT=tiny_lapa.free_port())
    proc = tiny_lapa.run_ok([sys.executable, '-c', INIT_DIST_TWICE],
                            cwd=osp.dirname(__file__), env=env, timeout=120)
    assert 'stock: RuntimeError' in proc.stdout
    assert 'patched: gloo 1' in proc.stdout


@pytest.fixture(scope='module')
def lapa(tmp_path_factory):
    return tiny_lapa.make_lapa(tmp_path_factory.mktemp('lapa'))


@CPU_ONLY
def test_dist_train_two_ranks_end_with_identical_weights(lapa, tmp_path):
    work_dir = tmp_path / 'work'
    # --cfg-options cannot spell a list of dicts (custom_hooks), but a new
    # key of the default_hooks dict is registered the same way.
    options = tiny_lapa.cfg_options(lapa, **{
        'custom_imports.imports': '[farl_mm,dump_rank_weights_hook]',
        'default_hooks.dump_rank_weights.type': 'DumpRankWeightsHook',
        'model.decode_head.norm_cfg.type': 'SyncBN',
    })
    proc = tiny_lapa.run_ok(
        ['bash', osp.join(tiny_lapa.TOOLS, 'dist_train.sh'), tiny_lapa.CONFIG,
         2, '--work-dir', work_dir, *options], cwd=tmp_path,
        env=dict(PYTHON=sys.executable, PORT=tiny_lapa.free_port()))
    assert 'SyncBN needs CUDA: reverted to per-process BN.' in proc.stdout

    def load(name):
        return torch.load(work_dir / name, weights_only=True)

    init0, init1 = load('rank0_init.pth'), load('rank1_init.pth')
    final0, final1 = load('rank0_final.pth'), load('rank1_final.pth')
    assert final0.keys() == final1.keys() == init0.keys()
    for name in init0:
        torch.testing.assert_close(init0[name], init1[name], rtol=0, atol=0)
        torch.testing.assert_close(final0[name], final1[name], rtol=0, atol=0)
    changed = [n for n in init0 if not torch.equal(init0[n], final0[n])]
    assert 'backbone.layers.0.attn.qkv.weight' in changed
    assert 'decode_head.conv_seg.weight' in changed


@CPU_ONLY
def test_slurm_launcher_trains_on_cpu(lapa, tmp_path):
    bin_dir = tmp_path / 'bin'
    bin_dir.mkdir()
    scontrol = bin_dir / 'scontrol'
    scontrol.write_text(
        f'#!/bin/sh\necho "$@" > {tmp_path / "scontrol_args"}\n'
        'echo 127.0.0.1\n')
    scontrol.chmod(0o755)
    env = dict(SLURM_PROCID=0, SLURM_NTASKS=1, SLURM_LOCALID=0,
               SLURM_NODELIST='cpu-node-[01-02]', MASTER_ADDR=None,
               MASTER_PORT=tiny_lapa.free_port(),
               PATH=f'{bin_dir}{os.pathsep}' + os.environ['PATH'])
    work_dir = tmp_path / 'work'
    proc = tiny_lapa.tool(
        'train.py', tiny_lapa.CONFIG, '--launcher', 'slurm', '--work-dir',
        work_dir, *tiny_lapa.cfg_options(lapa, max_iters=2),
        cwd=tmp_path,
        env=env)
    assert (tmp_path / 'scontrol_args').read_text().split() == [
        'show', 'hostname', 'cpu-node-[01-02]']
    assert 'Distributed launcher: slurm' in proc.stdout
    assert 'Distributed training: True' in proc.stdout
    assert tiny_lapa.train_iters(work_dir) == [1, 2]
    assert (work_dir / 'iter_2.pth').is_file()


@pytest.fixture(scope='module')
def frozen_rank(tmp_path_factory):
    """Two CPU ranks of tools/train.py; rank 1 freezes before iteration 1,
    so rank 0 waits in DDP's gradient all-reduce. Timeout: 5 s."""
    import toy_train
    tmp_path = tmp_path_factory.mktemp('frozen_rank')
    config = toy_train.write_config(tmp_path)
    ranks = tiny_lapa.run_ranks(
        [sys.executable, osp.join(tiny_lapa.TOOLS, 'train.py'), config,
         '--launcher', 'pytorch', '--work-dir', tmp_path / 'work',
         '--cfg-options', 'env_cfg.dist_cfg.timeout=5',
         'default_hooks.freeze.type=FreezeRankHook'],
        cwd=tmp_path, timeout=300)
    ended = time.time()
    return ranks, ended - float((tmp_path / 'work' / 'frozen_at').read_text())


@CPU_ONLY
def test_frozen_rank_ends_the_others_at_the_timeout(frozen_rank):
    (rank0, rank1), seconds_frozen = frozen_rank
    assert rank0['returncode'] not in (0, None)
    assert rank1['returncode'] == -9, 'rank 1 was not still frozen'
    assert 5 <= seconds_frozen < 30  # not torch's 30 minutes
    assert ('FrozenRankError: Rank 0 of 2 waited 5 s '
            '(env_cfg.dist_cfg.timeout) in a collective for a rank that '
            'never joined') in rank0['output']


@CPU_ONLY
def test_cpu_ranks_log_their_backend_and_device_count(frozen_rank):
    (rank0, _), _ = frozen_rank
    dist_cfg = re.search(r'^ +dist_cfg: (.*)$', rank0['output'], re.M)
    assert dist_cfg and ast.literal_eval(dist_cfg.group(1)) == dict(
        backend='gloo', timeout=5)  # the config asks for nccl (default)
    assert 'GPU number: 0\n' in rank0['output']
    assert 'CPU processes: 2\n' in rank0['output']
