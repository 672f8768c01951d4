"""Test support: run ``tools/`` on the tiny LaPa UperNet config in seconds.

Data is generated (``farl_mm.synthetic``) into a pytest tmp dir.
Launchers and anything that must not see ``farl_mm`` run as subprocesses,
with one BLAS thread per process (two cores run two ranks without
oversubscription) and this folder on ``PYTHONPATH`` so configs can import
the test-only hooks next to it; single-process tool runs can run in the
test's process (:func:`tool_inline`), which saves a fresh interpreter's
~10 s of imports per run.
"""
import contextlib
import glob
import itertools
import json
import os
import os.path as osp
import runpy
import shutil
import socket
import subprocess
import sys
import time
from unittest import mock

import torch

HELPERS = osp.dirname(osp.abspath(__file__))
REPO = osp.dirname(osp.dirname(HELPERS))
TOOLS = osp.join(REPO, 'tools')
CONFIG = osp.join(REPO, 'configs', 'backbone_swap',
                  'upernet_farl-vit-tiny_synthetic-lapa_mmseg.py')
SPLITS = dict(train=8, val=4, test=4)


def make_lapa(root, size=64):
    """Write LaPa-layout faces for every split of :data:`SPLITS`."""
    from farl_mm.synthetic.writers import write_lapa
    start = 0
    for split, num in SPLITS.items():
        write_lapa(str(root), split, num, size=size, start=start)
        start += num
    return str(root)


def cfg_options(data_root, max_iters=4, **overrides):
    """``--cfg-options`` that point the config at ``data_root`` and shrink it.

    Checkpoints every 2 iterations; validation runs once, at the end.
    """
    opts = {
        'train_cfg.max_iters': max_iters,
        'train_cfg.val_interval': max_iters,
        'default_hooks.logger.interval': 1,
        'default_hooks.checkpoint.interval': 2,
        'randomness.seed': 0,
    }
    for split in SPLITS:
        loader = f'{split}_dataloader'
        opts.update({
            f'{loader}.dataset.data_root': data_root,
            f'{loader}.batch_size': 2,
            f'{loader}.num_workers': 0,
            f'{loader}.persistent_workers': False,
        })
    opts.update(overrides)
    return ['--cfg-options', *(f'{k}={v}' for k, v in opts.items())]


def _full_env(env):
    full_env = dict(os.environ, OMP_NUM_THREADS='1')
    full_env['PYTHONPATH'] = os.pathsep.join(
        p for p in (HELPERS, os.environ.get('PYTHONPATH')) if p)
    for key, value in (env or {}).items():
        if value is None:
            full_env.pop(key, None)
        else:
            full_env[key] = str(value)
    return full_env


def run(args, cwd, env=None, timeout=240):
    """Run ``args``; returns the CompletedProcess (stdout and stderr text).

    ``env`` entries override the inherited environment; ``None`` unsets.
    """
    return subprocess.run(
        [str(a) for a in args], cwd=str(cwd), env=_full_env(env),
        capture_output=True, text=True, timeout=timeout)


def run_ranks(args, cwd, world_size=2, env=None, timeout=240):
    """Run ``args`` once per rank with torchrun's variables (``RANK``,
    ``WORLD_SIZE``, ``LOCAL_RANK``, ``MASTER_ADDR``/``PORT``).

    As under torchrun, a rank that fails ends the others (killed). Unlike
    torchrun, each rank's exit status, output and run time come back.

    Returns:
        list[dict]: Per rank, ``returncode``, ``output`` (stdout and stderr)
        and ``seconds`` (until it ended or was killed).
    """
    port, start, procs = free_port(), time.monotonic(), []
    for rank in range(world_size):
        log = open(osp.join(str(cwd), f'rank{rank}.log'), 'w+')
        rank_env = dict(env or {}, RANK=rank, LOCAL_RANK=rank,
                        WORLD_SIZE=world_size, MASTER_ADDR='127.0.0.1',
                        MASTER_PORT=port)
        procs.append(dict(log=log, seconds=None, proc=subprocess.Popen(
            [str(a) for a in args], cwd=str(cwd), env=_full_env(rank_env),
            stdout=log, stderr=subprocess.STDOUT)))
    try:
        while any(p['seconds'] is None for p in procs):
            for p in procs:
                if p['seconds'] is None and p['proc'].poll() is not None:
                    p['seconds'] = time.monotonic() - start
            if any(p['proc'].returncode for p in procs):
                break  # a failed rank ends the job
            assert time.monotonic() - start < timeout, (
                f'ranks still running after {timeout} s; see {cwd}')
            time.sleep(0.05)
    finally:
        for p in procs:
            if p['proc'].poll() is None:
                p['proc'].kill()
                p['proc'].wait()
                p['seconds'] = time.monotonic() - start
    results = []
    for p in procs:
        p['log'].seek(0)
        results.append(dict(returncode=p['proc'].returncode,
                            output=p['log'].read(), seconds=p['seconds']))
        p['log'].close()
    return results


def run_ok(args, cwd, **kwargs):
    """:func:`run` and assert it succeeded, showing its output otherwise."""
    proc = run(args, cwd, **kwargs)
    assert proc.returncode == 0, _tail(proc)
    return proc


def tool(name, *args, cwd, **kwargs):
    """Run ``python tools/{name} args...`` and assert it succeeded."""
    return run_ok([sys.executable, osp.join(TOOLS, name), *args], cwd,
                  **kwargs)


_inline_runs = itertools.count()


def tool_inline(name, *args):
    """Run ``tools/{name} args...`` as ``__main__`` in this process.

    ``sys.argv``, the environment and torch's thread count are restored
    afterwards. mmengine keeps its logger and visualizer as singletons
    keyed by name (the experiment name; mmseg's runtime names its
    visualizer ``'visualizer'``): each run gets its own names, or it would
    log into the previous run's work dir.
    """
    script = osp.join(TOOLS, name)
    run_name = f'inline{next(_inline_runs)}_{os.getpid()}'
    argv = [script, *map(str, args), '--cfg-options',
            f'experiment_name={run_name}', f'visualizer.name={run_name}']
    with mock.patch.object(sys, 'argv', argv), mock.patch.dict(os.environ), \
            _torch_threads(1), mmengine_state_restored():
        runpy.run_path(script, run_name='__main__')


@contextlib.contextmanager
def mmengine_state_restored():
    """Undo a Runner's process-wide choices when the block ends.

    A Runner makes its default scope, logger and message hub the *current*
    ones; left behind, the scope changes how later tests' unprefixed
    ``MODELS.build(dict(type=...))`` resolve. The registries are swapped
    for copies, not patched in place: ``DefaultScope`` rebinds its own.
    """
    from mmengine.logging import MessageHub, MMLogger
    from mmengine.registry import DefaultScope
    with contextlib.ExitStack() as stack:
        for manager in (DefaultScope, MMLogger, MessageHub):
            stack.enter_context(mock.patch.object(
                manager, '_instance_dict', manager._instance_dict.copy()))
        yield


@contextlib.contextmanager
def _torch_threads(num):
    before = torch.get_num_threads()
    torch.set_num_threads(num)
    try:
        yield
    finally:
        torch.set_num_threads(before)


def _tail(proc, chars=4000):
    return (f'exit {proc.returncode}\n--- stdout ---\n{proc.stdout[-chars:]}'
            f'\n--- stderr ---\n{proc.stderr[-chars:]}')


def free_port():
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


def _newest(work_dir, pattern):
    runs = sorted(glob.glob(osp.join(str(work_dir), '2*', pattern)))
    assert runs, f'no {pattern} under {work_dir}'
    return runs[-1]


def copy_work_dir(src, dst):
    """Copy a finished run's work dir (mtimes kept) for a resume test.

    Its run folders are renamed out of ``_newest``'s sight: a run resumed
    within the same second would otherwise share the timestamped folder and
    append to the old log."""
    shutil.copytree(src, dst)
    for run in glob.glob(osp.join(str(dst), '2*')):
        os.rename(run, osp.join(str(dst), 'copied_' + osp.basename(run)))


def scalars(work_dir):
    """The logged scalars of the newest run in ``work_dir`` (one dict/line)."""
    with open(_newest(work_dir, osp.join('vis_data', 'scalars.json'))) as f:
        return [json.loads(line) for line in f if line.strip()]


def saved_metrics(work_dir):
    """The metrics ``tools/test.py`` saved in ``work_dir``."""
    with open(_newest(work_dir, '2*.json')) as f:
        return json.load(f)


def train_iters(work_dir):
    """Iterations the newest run trained, from its log."""
    return [s['iter'] for s in scalars(work_dir) if 'loss' in s]
