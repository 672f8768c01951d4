"""The LaPa recipe end to end on generated faces: ``tools/train.py`` must
learn, ``tools/test.py`` prints the F1 table, the prediction PNGs rescore
to the same F1, the demo reproduces them, and missing data or weights stop
the run at once with the fix."""
import glob
import os.path as osp
import runpy
import sys
from unittest import mock

import cv2
import numpy as np
import pytest
import torch
from mmengine.config import Config

from farl_mm.synthetic.writers import write_lapa

sys.path.insert(0, osp.join(osp.dirname(__file__), '..', 'helpers'))
import tiny_lapa  # noqa: E402

REPO = tiny_lapa.REPO
CONFIG = osp.join(REPO, 'configs', 'farl', 'lapa_upernet_tiny_synthetic.py')
ITERS = 120
SMALL = """
_base_ = [{config!r}]
size = 64
data_root = {root!r}
model = dict(data_preprocessor=dict(size=(size, size)),
             backbone=dict(img_size=size))
warp = dict(type='farl_mm.FaceAlignWarp', size=size, alpha=0.8)
_load = [dict(type='LoadImageFromFile'), dict(type='LoadAnnotations'),
         dict(type='farl_mm.LoadFaceLandmarks')]
_loader = dict(num_workers=0, persistent_workers=False)
train_dataloader = dict(_loader, batch_size=4, dataset=dict(
    data_root=data_root, pipeline=[
        *_load, dict(warp, rotate=18, scale=(0.9, 1.1), shift=0.01),
        {{{{_base_.pack}}}}]))
_eval = dict(_loader, dataset=dict(data_root=data_root, pipeline=[
    *_load, dict(warp, warp_labels=False), {{{{_base_.pack}}}}]))
val_dataloader = _eval
test_dataloader = _eval
param_scheduler = [dict(type='CosineAnnealingLR', by_epoch=False, begin=0,
                        end={iters}, eta_min=1e-5)]
train_cfg = dict(max_iters={iters}, val_interval={iters})
default_hooks = dict(logger=dict(interval=20),
                     checkpoint=dict(interval={iters}))
randomness = dict(seed=0)
"""


@pytest.fixture(scope='module')
def run(tmp_path_factory):
    """Data, the small config, an untrained and a trained checkpoint."""
    tmp = tmp_path_factory.mktemp('parsing')
    root = str(tmp / 'lapa')
    for split, num, start in (('train', 24, 0), ('val', 4, 24),
                              ('test', 4, 28)):
        write_lapa(root, split, num, size=96, start=start)
    config = tmp / 'small.py'
    config.write_text(SMALL.format(config=CONFIG, root=root, iters=ITERS))
    init = tmp / 'init.pth'
    with tiny_lapa.mmengine_state_restored():
        from mmseg.registry import MODELS
        torch.manual_seed(0)
        model = MODELS.build(Config.fromfile(str(config)).model)
        model.init_weights()
    torch.save(dict(state_dict=model.state_dict(), meta={}), init)
    tiny_lapa.tool_inline('train.py', config, '--work-dir', tmp / 'train')
    return tmp, config, init


def evaluate(tmp, config, checkpoint, name):
    """``tools/test.py ... --out DIR``: metrics and the label PNGs."""
    work_dir, out = tmp / name, tmp / f'{name}_png'
    tiny_lapa.tool_inline('test.py', config, checkpoint, '--work-dir',
                          work_dir, '--out', out)
    return tiny_lapa.saved_metrics(work_dir), out


@pytest.fixture(scope='module')
def tested(run):
    tmp, config, _ = run
    return evaluate(tmp, config, tmp / 'train' / f'iter_{ITERS}.pth',
                    'trained')


def test_training_learns_far_beyond_initialisation(run, tested):
    tmp, config, init = run
    before, _ = evaluate(tmp, config, init, 'init')
    after, _ = tested
    print(f'f1_mean: {before["f1_mean"]} at init -> {after["f1_mean"]}')
    # measured: 2.71 -> 35.59 (skin 84, hair 68, nose 58)
    assert after['f1_mean'] > before['f1_mean'] + 20
    assert after['f1_skin'] > 70 and after['f1_hair'] > 50
    assert after['f1_nose'] > 30  # a small part, not only the big regions


def test_prediction_pngs_rescore_to_the_reported_f1(run, tested):
    tmp = run[0]
    metrics, out = tested
    pngs = sorted(glob.glob(str(out / '*.png')))
    assert [osp.basename(p) for p in pngs] == [
        f'synth_{i:06d}.png' for i in range(28, 32)]
    counts = np.zeros((11, 11), np.int64)
    for png in pngs:
        pred = cv2.imread(png, cv2.IMREAD_UNCHANGED)
        label = cv2.imread(str(tmp / 'lapa' / 'test' / 'labels' /
                               osp.basename(png)), cv2.IMREAD_UNCHANGED)
        assert pred.shape == label.shape == (96, 96)  # original size
        np.add.at(counts, (label.ravel(), pred.ravel()), 1)
    tp = np.diag(counts)
    denom = counts.sum(0) + counts.sum(1)
    f1 = [2 * t / d for t, d in zip(tp[1:], denom[1:]) if d > 0]
    assert np.mean(f1) * 100 == pytest.approx(metrics['f1_mean'], abs=0.01)


def test_demo_reproduces_the_test_prediction(run, tested):
    tmp, config, _ = run
    out = tested[1]
    name = 'synth_000029'
    script = osp.join(REPO, 'demo', 'face_parsing_demo.py')
    argv = [script, str(tmp / 'lapa' / 'test' / 'images' / f'{name}.jpg'),
            str(config), str(tmp / 'train' / f'iter_{ITERS}.pth'),
            '--out', str(tmp / 'demo' / 'out.png'), '--landmarks',
            str(tmp / 'lapa' / 'test' / 'landmarks' / f'{name}.txt')]
    with mock.patch.object(sys, 'argv', argv), \
            tiny_lapa.mmengine_state_restored():
        runpy.run_path(script, run_name='__main__')
    label = cv2.imread(str(tmp / 'demo' / 'out.png'), cv2.IMREAD_UNCHANGED)
    reference = cv2.imread(str(out / f'{name}.png'), cv2.IMREAD_UNCHANGED)
    np.testing.assert_array_equal(label, reference)
    overlay = cv2.imread(str(tmp / 'demo' / 'out_overlay.png'))
    assert overlay.shape == (96, 96, 3)
    # without landmarks the API takes the whole photo as the face
    from farl_mm.apis import init_face_parser, parse_face
    with tiny_lapa.mmengine_state_restored():
        model = init_face_parser(str(config), argv[3])
        whole = parse_face(model, cv2.imread(argv[1]))
    assert whole.shape == (96, 96)
    assert 0.5 < (whole == 1).sum() / max((label == 1).sum(), 1) < 2


def test_missing_data_and_weights_stop_at_once(tmp_path, monkeypatch):
    """The paper config, from a folder with neither data nor weights."""
    config = osp.join(REPO, 'configs', 'farl', 'lapa_upernet.py')
    monkeypatch.chdir(tmp_path)
    opts = ['--cfg-options', 'model.backbone.arch=tiny',  # build faster
            'model.backbone.out_indices=[0,1,2,3]',
            'model.backbone.frozen_stages=4',
            'train_dataloader.num_workers=0',
            'train_dataloader.persistent_workers=False',
            'val_dataloader.num_workers=0',
            'val_dataloader.persistent_workers=False']
    with pytest.raises(FileNotFoundError) as err:
        tiny_lapa.tool_inline('train.py', config, '--work-dir', 'w', *opts)
    said = str(err.value)  # both missing inputs in one message, with fixes
    assert said.startswith('2 inputs of this run are missing')
    assert 'LaPaDataset data_root not found: ' in said
    assert 'tools/dataset_converters/lapa.py' in said
    assert 'checkpoints/farl_b16_ep64.pth' in said
    assert 'tools/model_converters/farl2mm.py' in said

    from farl_mm.synthetic.writers import write_lapa
    for split in ('train', 'val'):
        write_lapa('data/lapa', split, 1, size=32)
    with pytest.raises(FileNotFoundError) as err:
        tiny_lapa.tool_inline('train.py', config, '--work-dir', 'w', *opts)
    assert str(err.value).startswith('FaRL weights not found: ')
    assert 'data_root' not in str(err.value)


@pytest.fixture(scope='module')
def flip_tested(run):
    """``tools/test.py --tta --show-dir DIR --out PNGS``: one run."""
    tmp, config, _ = run
    show, out = tmp / 'show', tmp / 'tta_png'
    tiny_lapa.tool_inline('test.py', config,
                          tmp / 'train' / f'iter_{ITERS}.pth', '--work-dir',
                          tmp / 'tta', '--tta', '--show-dir', show,
                          '--out', out)
    return tiny_lapa.saved_metrics(tmp / 'tta'), show, out


def test_show_dir_draws_each_prediction_on_the_photo(run, flip_tested):
    """One image per test face: ground truth | prediction, each over the
    original photo (mmseg's SegLocalVisualizer, alpha 0.8)."""
    tmp = run[0]
    _, show, out = flip_tested
    drawn = sorted(glob.glob(str(show / 'vis_data' / 'vis_image' / '*.png')))
    assert [osp.basename(p) for p in drawn] == [
        f'test_synth_{i:06d}.jpg_0.png' for i in range(28, 32)]
    for path in drawn:
        name = osp.basename(path)[5:17]
        photo = cv2.imread(str(tmp / 'lapa' / 'test' / 'images' /
                               f'{name}.jpg')).astype(float)
        pred = cv2.imread(str(out / f'{name}.png'), cv2.IMREAD_UNCHANGED)
        image = cv2.imread(path).astype(float)
        assert image.shape == (96, 192, 3)
        right = image[:, 96:]  # the prediction
        assert np.abs(right - photo).mean() > 10  # drawn, not the photo
        # background (black in the palette) leaves 20% of the photo: the
        # labels are drawn where they were predicted, on the photo itself
        diff = np.abs(right - 0.2 * photo).max(-1)[pred == 0]
        assert np.median(diff) <= 2


def test_tta_mirrors_back_with_left_right_classes_swapped(tested,
                                                         flip_tested):
    """The model was trained with mirrored faces (labels swapped): with
    the classes swapped back, the flip test scores about as the plain
    test, left and right parts alike."""
    plain, tta = tested[0], flip_tested[0]
    print({k: (plain[k], tta[k]) for k in plain if k.startswith('f1_')})
    assert tta != plain  # the flip did change the predictions
    for part in ('eyebrow', 'eye'):
        for side in ('left', 'right'):
            key = f'f1_{side}_{part}'
            assert tta[key] > plain[key] - 10, key
    assert tta['f1_mean'] > plain['f1_mean'] - 3
