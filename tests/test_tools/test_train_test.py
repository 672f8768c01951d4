"""``tools/train.py``, ``tools/test.py`` and ``tools/dist_test.sh`` on the tiny
LaPa UperNet config, with generated data: train, resume, evaluate, dump."""
import math
import os.path as osp
import sys

import mmengine
import pytest

sys.path.insert(0, osp.join(osp.dirname(__file__), '..', 'helpers'))
import tiny_lapa  # noqa: E402

CONFIG = tiny_lapa.CONFIG
METRICS = ('aAcc', 'mIoU', 'mFscore')


@pytest.fixture(scope='module')
def lapa(tmp_path_factory):
    return tiny_lapa.make_lapa(tmp_path_factory.mktemp('lapa'))


@pytest.fixture(scope='module')
def trained(lapa, tmp_path_factory):
    """A 4-iteration run (checkpoints at 2 and 4), shared by the tests."""
    work_dir = tmp_path_factory.mktemp('train')
    tiny_lapa.tool_inline('train.py', CONFIG, '--work-dir', work_dir,
                          *tiny_lapa.cfg_options(lapa))
    return work_dir


@pytest.fixture(scope='module')
def tested(lapa, trained, tmp_path_factory):
    """``tools/test.py --dump`` on the trained checkpoint."""
    work_dir = tmp_path_factory.mktemp('test')
    dump = work_dir / 'preds.pkl'
    tiny_lapa.tool_inline('test.py', CONFIG, trained / 'iter_4.pth',
                          '--work-dir', work_dir, '--dump', dump,
                          *tiny_lapa.cfg_options(lapa))
    return work_dir, dump


def test_train_saves_checkpoints_and_validates(trained):
    log = tiny_lapa.scalars(trained)
    losses = [s['loss'] for s in log if 'loss' in s]
    assert len(losses) == 4 and all(math.isfinite(x) for x in losses)
    assert (trained / 'iter_4.pth').is_file()
    last = (trained / 'last_checkpoint').read_text().strip()
    assert last.endswith('iter_4.pth')
    val = [s for s in log if 'mIoU' in s]
    assert len(val) == 1 and set(METRICS) <= set(val[0])


def test_no_validate_and_auto_scale_lr(lapa, trained, tmp_path):
    """Upstream's flags: no val loop at all; the lr scaled by the actual
    global batch (1 process x 2) over auto_scale_lr.base_batch_size (8)."""
    work_dir = tmp_path / 'flags'
    tiny_lapa.tool_inline(
        'train.py', CONFIG, '--work-dir', work_dir, '--no-validate',
        '--auto-scale-lr', *tiny_lapa.cfg_options(
            lapa, max_iters=2, **{'auto_scale_lr.base_batch_size': 8}))
    log = tiny_lapa.scalars(work_dir)
    assert [s['iter'] for s in log if 'loss' in s] == [1, 2]
    assert not any(m in s for s in log for m in METRICS)  # never validated
    unscaled = [s['lr'] for s in tiny_lapa.scalars(trained) if 'lr' in s]
    scaled = [s['lr'] for s in log if 'lr' in s]
    assert scaled == pytest.approx([lr * 2 / 8 for lr in unscaled[:2]])


def test_auto_scale_lr_needs_a_base_batch_size(lapa, tmp_path):
    with pytest.raises(ValueError, match='auto_scale_lr.base_batch_size'):
        tiny_lapa.tool_inline('train.py', CONFIG, '--work-dir', tmp_path,
                              '--auto-scale-lr',
                              *tiny_lapa.cfg_options(lapa))


def test_test_reports_metrics_and_dumps_every_image(lapa, tested):
    work_dir, dump = tested
    metrics = tiny_lapa.saved_metrics(work_dir)
    assert set(METRICS) <= set(metrics)
    assert 0 <= metrics['mIoU'] <= 100
    preds = mmengine.load(dump)
    assert len(preds) == tiny_lapa.SPLITS['test']
    images = sorted(osp.basename(p['img_path']) for p in preds)
    assert images == sorted(
        f'synth_{i:06d}.jpg' for i in range(12, 16))  # the test split
    for pred in preds:
        assert pred['pred_sem_seg']['data'].shape[-2:] == \
            tuple(pred['ori_shape'])


def test_resume_continues_from_the_latest_checkpoint(lapa, trained,
                                                     tmp_path):
    work_dir = tmp_path / 'work'
    tiny_lapa.copy_work_dir(trained, work_dir)  # last_checkpoint -> iter_4
    tiny_lapa.tool_inline(
        'train.py', CONFIG, '--work-dir', work_dir, '--resume',
        *tiny_lapa.cfg_options(lapa, max_iters=6))
    assert tiny_lapa.train_iters(work_dir) == [5, 6]
    assert (work_dir / 'iter_6.pth').is_file()


def test_dist_test_on_two_ranks_matches_single_process(lapa, trained, tested,
                                                       tmp_path):
    dump = tmp_path / 'preds.pkl'
    tiny_lapa.run_ok(
        ['bash', osp.join(tiny_lapa.TOOLS, 'dist_test.sh'), CONFIG,
         trained / 'iter_4.pth', 2, '--work-dir', tmp_path / 'work',
         '--dump', dump, *tiny_lapa.cfg_options(lapa)], cwd=tmp_path,
        env=dict(PYTHON=sys.executable, PORT=tiny_lapa.free_port()))
    metrics = tiny_lapa.saved_metrics(tmp_path / 'work')
    single = tiny_lapa.saved_metrics(tested[0])
    for key in METRICS:
        assert metrics[key] == pytest.approx(single[key], abs=0.02)
    assert len(mmengine.load(dump)) == tiny_lapa.SPLITS['test']
