"""A CPU training run of the tiny AFLW-19 model on synthetic faces: the
test NME that tools/test.py prints must fall far below its value at
initialisation, and ``--dump`` must hold what rescoring needs."""
import os.path as osp
import pickle
import runpy
import sys
from unittest import mock

import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.registry import DefaultScope

sys.path.insert(0, osp.join(osp.dirname(osp.dirname(__file__)), 'helpers'))
from tiny_lapa import REPO, saved_metrics, tool_inline  # noqa: E402

CONFIG = osp.join(REPO, 'configs', 'farl',
                  'aflw19_upernet_tiny_synthetic.py')
NUM_TRAIN, NUM_TEST, ITERS = 40, 8, 80


@pytest.fixture(scope='module')
def data_root(tmp_path_factory):
    from farl_mm.synthetic.writers import write_aflw_mat
    root = tmp_path_factory.mktemp('synthetic_aflw19')
    write_aflw_mat(root, NUM_TRAIN + NUM_TEST, size=128)
    script = osp.join(REPO, 'tools', 'dataset_converters', 'aflw19.py')
    argv = [script, root / 'AFLWinfo_release.mat', root / 'flickr',
            root / 'annotations', '--num-train', NUM_TRAIN]
    with mock.patch.object(sys, 'argv', list(map(str, argv))):
        runpy.run_path(script, run_name='__main__')
    return str(root)


def _options(data_root):
    return ['--cfg-options', *(f'{k}={v}' for k, v in {
        'train_dataloader.dataset.data_root': data_root,
        'test_dataloader.dataset.data_root': data_root,
        'val_dataloader.dataset.data_root': data_root,
        'train_cfg.max_iters': ITERS, 'train_cfg.val_interval': ITERS,
        'default_hooks.checkpoint.interval': ITERS,
        'randomness.seed': 0}.items())]


def _untrained_checkpoint(path):
    from mmpose.registry import MODELS
    cfg = Config.fromfile(CONFIG)
    torch.manual_seed(0)
    with DefaultScope.overwrite_default_scope('mmpose'):
        model = MODELS.build(cfg.model)
    model.init_weights()
    torch.save(dict(state_dict=model.state_dict(), meta={}), path)
    return path


def _test(checkpoint, work_dir, data_root, *extra):
    # mmpose stores its (empty) OKS sigmas in the checkpoint's dataset
    # meta: the plain tool must load that (farl_mm.compat.checkpoint)
    tool_inline('test.py', CONFIG, checkpoint, '--work-dir', work_dir,
                *extra, *_options(data_root))
    return saved_metrics(work_dir)


@pytest.fixture(scope='module')
def checkpoint(tmp_path_factory, data_root):
    work_dir = tmp_path_factory.mktemp('train')
    tool_inline('train.py', CONFIG, '--work-dir', work_dir,
                *_options(data_root))
    return work_dir / f'iter_{ITERS}.pth'


@pytest.fixture(scope='module')
def tested(tmp_path_factory, data_root, checkpoint):
    """``tools/test.py --dump --show-dir --out`` on the trained model."""
    tmp = tmp_path_factory.mktemp('test')
    metrics = _test(checkpoint, tmp / 'work', data_root,
                    '--dump', tmp / 'preds.pkl', '--show-dir', tmp / 'show',
                    '--out', tmp / 'metrics.json')
    return metrics, tmp


def test_training_lowers_nme_far_below_initialisation(tmp_path, data_root,
                                                      tested):
    init = _test(_untrained_checkpoint(tmp_path / 'init.pth'),
                 tmp_path / 'init', data_root)
    trained, dump = tested[0], tested[1] / 'preds.pkl'
    print('NME (box diagonal, %): init', init['diag/full/NME'], 'trained',
          trained['diag/full/NME'])
    assert init['diag/full/NME'] > 10
    assert trained['diag/full/NME'] < 0.25 * init['diag/full/NME']
    assert trained['diag/full/AUC@0.07'] > init['diag/full/AUC@0.07']
    assert 'diag/frontal/NME' in trained and 'box/full/NME' in trained

    with open(dump, 'rb') as f:
        preds = pickle.load(f)
    assert len(preds) == NUM_TEST
    nmes = []
    for p in preds:
        assert {'img_id', 'img_path', 'raw_ann_info'} <= set(p)
        pred = p['pred_instances']['keypoints'][0]  # original image px
        gt = p['gt_instances']['keypoints'][0]
        np.testing.assert_allclose(
            gt, np.reshape(p['raw_ann_info']['keypoints'], (19, 3))[:, :2],
            atol=1e-3)
        _, _, w, h = p['raw_ann_info']['bbox']
        nmes.append(np.linalg.norm(pred - gt, axis=-1).mean() / np.hypot(
            w, h))
    # rescoring the dump reproduces the printed metric
    assert 100 * np.mean(nmes) == pytest.approx(trained['diag/full/NME'],
                                                rel=1e-4)


def test_api_and_demo_locate_the_landmarks(tmp_path, data_root, checkpoint):
    import json

    import cv2

    from farl_mm.apis import align_face, init_face_aligner
    with open(osp.join(data_root, 'annotations',
                       'face_landmarks_aflw19_test.json')) as f:
        coco = json.load(f)
    image = osp.join(data_root, 'flickr', coco['images'][0]['file_name'])
    ann = coco['annotations'][0]
    x, y, w, h = ann['bbox']
    gt = np.reshape(ann['keypoints'], (19, 3))[:, :2]
    model = init_face_aligner(CONFIG, str(checkpoint))
    points, scores = align_face(model, image, (x, y, x + w, y + h))
    assert points.shape == (19, 2) and scores.shape == (19, )
    assert np.linalg.norm(points - gt, axis=-1).mean() / np.hypot(w, h) \
        < 0.1

    out = tmp_path / 'drawn.png'
    script = osp.join(REPO, 'demo', 'face_alignment_demo.py')
    argv = [script, image, CONFIG, checkpoint, '--bbox', x, y, x + w, y + h,
            '--out', out]
    with mock.patch.object(sys, 'argv', list(map(str, argv))):
        runpy.run_path(script, run_name='__main__')
    drawn, photo = cv2.imread(str(out)), cv2.imread(image)
    assert drawn.shape == photo.shape
    px, py = np.round(points[13]).astype(int)  # nose tip: a green dot
    assert tuple(drawn[py, px]) == (0, 255, 0)


def test_show_dir_out_and_flip_test(tmp_path, data_root, checkpoint,
                                    tested):
    """``--show-dir``: every test face drawn on its photo; ``--out``: the
    metrics, as mmpose's tool; ``--tta``: mmpose's flip test, landmarks
    mirrored back with the dataset's left/right ``flip_indices``."""
    import glob

    import cv2
    import mmengine
    plain, tmp = tested
    show, out = tmp / 'show', tmp / 'metrics.json'
    dumped = mmengine.load(out)
    assert 'diag/full/NME' in dumped
    assert dumped == pytest.approx({k: plain[k] for k in dumped})
    drawn = sorted(show.iterdir())
    assert len(drawn) == NUM_TEST
    for path in drawn:
        name = path.name.rsplit('_', 1)[0] + '.jpg'
        photo = cv2.imread(*glob.glob(osp.join(data_root, 'flickr', '*',
                                               name)))
        image = cv2.imread(str(path))
        assert image.shape == photo.shape
        assert (np.abs(image.astype(int) - photo).max(-1) > 60).sum() > 19
    flip = _test(checkpoint, tmp_path / 'flip', data_root, '--tta')
    print('NME (box diagonal, %): plain', plain['diag/full/NME'],
          'flip test', flip['diag/full/NME'])
    assert flip['diag/full/NME'] != plain['diag/full/NME']
    # seen: 1.95 -> 1.91; no heatmap shift: 2.16, wrong sides: far off
    assert flip['diag/full/NME'] < 1.05 * plain['diag/full/NME']
