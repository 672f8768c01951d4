"""FaRL pretraining learns: the tiny config on synthetic LAION-Face-style
shards, through ``tools/train.py`` (fp32, ``--amp``, resume) and
``tools/dist_train.sh`` on two CPU ranks.

The learning run (the session's ``tiny_pretrain``, tests/conftest.py; its
first 150 iterations of 32 pairs, 2048 distinct training pairs) must lower
both losses and retrieve held-out captions far above chance with the
model's own encoders; resuming from its iteration-140 checkpoint must
reproduce iterations 141-150.
"""
import math
import os.path as osp
import shutil
import sys

import pytest
import torch
import torch.nn.functional as F
from mmengine.config import Config
from mmengine.dataset import pseudo_collate
from mmengine.runner import load_checkpoint

from farl_mm.utils.checkpoint_io import load_checkpoint_file
from farl_mm.synthetic.writers import write_synthetic_shards
from farl_mm.registry import DATASETS, MODELS

sys.path.insert(0, osp.join(osp.dirname(__file__), '..', 'helpers'))
import tiny_lapa  # noqa: E402  (tool runners shared by the tool tests)

CONFIG = osp.join(tiny_lapa.REPO, 'configs', 'farl',
                  'farl_vit-tiny_synthetic-shards_pretrain.py')
ITERS, CKPT, BATCH, HELD_OUT = 150, 140, 32, 64
RUN_ITERS = 300  # the session run goes on to the config's end


@pytest.fixture(scope='module')
def shards(tiny_pretrain, tmp_path_factory):
    """``train``: the shards of the session's ``tiny_pretrain`` run
    (tests/conftest.py); ``held_out``: pairs it never saw."""
    root = tmp_path_factory.mktemp('laion_face')
    (root / 'train').symlink_to(tiny_pretrain[0], target_is_directory=True)
    write_synthetic_shards(str(root / 'held_out'), 1, HELD_OUT, seed=1,
                           start=10**6)
    return root


def options(shards, max_iters, **extra):
    opts = {
        'train_dataloader.dataset.data_root': shards / 'train',
        'train_cfg.max_iters': max_iters,
        'default_hooks.logger.interval': 1,
        'default_hooks.checkpoint.interval': CKPT,
        'randomness.seed': 0,
        **extra,
    }
    return ['--cfg-options', *(f'{k}={v}' for k, v in opts.items())]


def logged(work_dir, key):
    """``{iteration: value}`` of a logged scalar of the newest run."""
    return {s['iter']: s[key] for s in tiny_lapa.scalars(work_dir)
            if key in s}


@pytest.fixture(scope='module')
def learned(tiny_pretrain):
    """The session run's work dir (tests/conftest.py: this config, seed 0,
    logged at every iteration, ``RUN_ITERS`` long). Its first ``ITERS``
    iterations are those of a run with ``options(shards, ITERS)`` (the
    schedule does not depend on ``max_iters``), as the resume test checks."""
    work_dir = tiny_pretrain[1]
    for it in (CKPT, ITERS):
        assert (work_dir / f'iter_{it}.pth').is_file(), it
    return work_dir


def retrieval_top1(shards, checkpoint=None):
    """Image -> caption top-1 over the held-out pairs, by cosine."""
    cfg = Config.fromfile(CONFIG)
    torch.manual_seed(0)
    model = MODELS.build(cfg.model)
    model.init_weights()
    if checkpoint is not None:
        load_checkpoint(model, str(checkpoint), map_location='cpu')
    dataset = DATASETS.build(dict(
        cfg.train_dataloader.dataset, data_root=str(shards / 'held_out'),
        shuffle_buffer=0))
    data = model.data_preprocessor(pseudo_collate(list(dataset)), False)
    tokens = torch.stack([s.text_tokens for s in data['data_samples']])
    with torch.no_grad():
        images = F.normalize(model.eval().extract_feat(data['inputs']), dim=-1)
        texts = F.normalize(model.extract_text_feat(tokens), dim=-1)
    hits = (images @ texts.t()).argmax(1) == torch.arange(len(tokens))
    assert len(tokens) == HELD_OUT
    return hits.float().mean().item()


def test_contrastive_and_mim_losses_fall(learned):
    itc, mim = logged(learned, 'loss_itc'), logged(learned, 'loss_mim')
    assert sorted(itc) == list(range(1, RUN_ITERS + 1))
    # at initialisation: about ln(batch) and ln(256 visual tokens)
    assert abs(itc[1] - math.log(BATCH)) < 0.6
    assert abs(mim[1] - math.log(256)) < 0.3
    first = sum(itc[i] for i in range(1, 11)) / 10
    last = sum(itc[i] for i in range(ITERS - 9, ITERS + 1)) / 10
    assert last < 0.75 * first, (first, last)
    assert sum(mim[i] for i in range(ITERS - 9, ITERS + 1)) / 10 < \
        0.8 * sum(mim[i] for i in range(1, 11)) / 10
    assert (learned / f'iter_{ITERS}.pth').is_file()


def test_held_out_retrieval_is_far_above_chance(shards, learned):
    chance = 1 / HELD_OUT
    untrained = retrieval_top1(shards)
    trained = retrieval_top1(shards, learned / f'iter_{ITERS}.pth')
    print(f'held-out image->text top-1: trained {trained:.3f}, '
          f'untrained {untrained:.3f}, chance {chance:.3f}')
    assert trained >= 5 * chance
    assert trained >= untrained + 3 * chance


def test_resume_continues_the_same_run(shards, learned, tmp_path):
    work_dir = tmp_path / 'resumed'
    work_dir.mkdir()
    shutil.copy(learned / f'iter_{CKPT}.pth', work_dir)
    tiny_lapa.tool_inline(
        'train.py', CONFIG, '--work-dir', work_dir, '--resume',
        work_dir / f'iter_{CKPT}.pth', *options(shards, ITERS))
    resumed, straight = logged(work_dir, 'loss'), logged(learned, 'loss')
    assert sorted(resumed) == list(range(CKPT + 1, ITERS + 1))
    for it, loss in resumed.items():
        assert loss == pytest.approx(straight[it], rel=1e-4), it
    a = load_checkpoint_file(work_dir / f'iter_{ITERS}.pth')['state_dict']
    b = load_checkpoint_file(learned / f'iter_{ITERS}.pth')['state_dict']
    for key in b:
        torch.testing.assert_close(a[key], b[key], rtol=1e-4, atol=1e-5)


def test_amp_runs_in_bfloat16_on_cpu(shards, learned, tmp_path):
    tiny_lapa.tool_inline('train.py', CONFIG, '--work-dir', tmp_path,
                          '--amp', *options(shards, 2))
    amp, fp32 = logged(tmp_path, 'loss'), logged(learned, 'loss')
    assert sorted(amp) == [1, 2]
    for it in (1, 2):  # the same data and weights, in lower precision
        assert amp[it] == pytest.approx(fp32[it], abs=0.05)
    assert amp[1] != fp32[1]


def test_dist_train_two_ranks_contrast_the_global_batch(shards, learned,
                                                        tmp_path):
    tiny_lapa.run_ok(
        ['bash', osp.join(tiny_lapa.TOOLS, 'dist_train.sh'), CONFIG, 2,
         '--work-dir', tmp_path, *options(shards, 2)], cwd=tmp_path,
        env=dict(PYTHON=sys.executable, PORT=tiny_lapa.free_port()))
    dist_itc, single_itc = logged(tmp_path, 'loss_itc'), \
        logged(learned, 'loss_itc')
    assert sorted(dist_itc) == [1, 2]
    # 2 x 32 candidate captions per image instead of 32: about ln 2 higher
    assert abs(dist_itc[1] - single_itc[1] - math.log(2)) < 0.3
    assert (tmp_path / 'iter_2.pth').is_file()
