import os
import os.path as osp
import sys

import pytest

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))


@pytest.fixture(scope='session')
def repo_root():
    return REPO


def pytest_configure(config):
    # Tools are scripts, not a package: let tests import them by path.
    sys.path.insert(0, REPO)


TINY_PRETRAIN_CONFIG = osp.join(
    REPO, 'configs', 'farl', 'farl_vit-tiny_synthetic-shards_pretrain.py')
TINY_PRETRAIN_ITERS = 300  # the config's whole schedule
TINY_PRETRAIN_KEEP = (140, 150, 300)  # to resume, to study, the end


@pytest.fixture(scope='session')
def tiny_pretrain(tmp_path_factory):
    """``(shards, work_dir)`` of one run of the tiny pretraining config.

    The learning test (its first 150 iterations, logged at every one, and
    a resume from 140) and the zero-shot test (the end) both need this
    minute-long run; it happens once per session, keeping the checkpoints
    of ``TINY_PRETRAIN_KEEP``. Under pytest-xdist the workers share it
    through a file lock in the session's common temporary folder (its
    parent, ``pytest-N``, is the session's; without xdist that parent is
    shared by past sessions, so the run stays in this session's folder).
    """
    from filelock import FileLock

    from farl_mm.synthetic.writers import write_synthetic_shards
    sys.path.insert(0, osp.join(REPO, 'tests', 'helpers'))
    import tiny_lapa

    base = tmp_path_factory.getbasetemp()
    if os.environ.get('PYTEST_XDIST_WORKER'):
        base = base.parent
    root = base / 'tiny_pretrain'
    shards, work_dir = root / 'shards', root / 'work_dir'
    last = work_dir / f'iter_{TINY_PRETRAIN_ITERS}.pth'
    with FileLock(str(base / 'tiny_pretrain.lock')):
        if not last.is_file():
            write_synthetic_shards(str(shards), 32, 64, seed=0)
            tiny_lapa.tool_inline(
                'train.py', TINY_PRETRAIN_CONFIG, '--work-dir', work_dir,
                '--cfg-options',
                f'train_dataloader.dataset.data_root={shards}',
                f'train_cfg.max_iters={TINY_PRETRAIN_ITERS}',
                'default_hooks.logger.interval=1',
                'default_hooks.checkpoint.interval=10',
                'default_hooks.checkpoint.save_begin=140',
                'default_hooks.checkpoint.max_keep_ckpts=-1',
                'randomness.seed=0')
            for ckpt in work_dir.glob('iter_*.pth'):  # 43 MB each
                if int(ckpt.stem[5:]) not in TINY_PRETRAIN_KEEP:
                    ckpt.unlink()
    return shards, work_dir
