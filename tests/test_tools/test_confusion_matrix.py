"""tools/analysis_tools/confusion_matrix.py on hand-made labels and
predictions (PNG folder, pickle, a checkpoint run): the hand-counted
matrix, with LaPa's class names."""
import pickle

import cv2
import numpy as np
import pytest
import torch

from tools.analysis_tools import confusion_matrix

CONFIG = 'configs/backbone_swap/upernet_farl-vit-tiny_synthetic-lapa_mmseg.py'
LABELS = dict(a=[[0, 1, 1], [2, 255, 10]], b=[[1, 1], [0, 0]])
PREDS = dict(a=[[0, 1, 10], [3, 0, 10]], b=[[1, 0], [0, 0]])
# [true, predicted]; a's 255 pixel is ignored: 9 pixels
EXPECTED = {(0, 0): 3, (1, 1): 2, (1, 10): 1, (1, 0): 1, (2, 3): 1,
            (10, 10): 1}


@pytest.fixture(scope='module')
def data_root(tmp_path_factory):
    root = tmp_path_factory.mktemp('lapa')
    for name, label in LABELS.items():
        label = np.array(label, np.uint8)
        for folder in ('images', 'labels'):
            (root / 'test' / folder).mkdir(parents=True, exist_ok=True)
        cv2.imwrite(str(root / 'test' / 'images' / f'{name}.jpg'),
                    np.full((*label.shape, 3), 128, np.uint8))
        cv2.imwrite(str(root / 'test' / 'labels' / f'{name}.png'), label)
    return root


def options(data_root):
    return ['--cfg-options', f'test_dataloader.dataset.data_root={data_root}',
            'test_dataloader.num_workers=0',
            'test_dataloader.persistent_workers=False']


@pytest.fixture(scope='module')
def cfg(data_root):
    """The config, loaded once (a second or two per load)."""
    return confusion_matrix.load_config(confusion_matrix.parse_args(
        [CONFIG, 'unused', 'unused', *options(data_root)]))


def expected_matrix():
    expected = np.zeros((11, 11), np.int64)
    for (true, pred), count in EXPECTED.items():
        expected[true, pred] = count
    return expected


def test_from_label_pngs(data_root, tmp_path):
    preds = tmp_path / 'pngs'
    preds.mkdir()
    for name, pred in PREDS.items():
        cv2.imwrite(str(preds / f'{name}.png'), np.array(pred, np.uint8))
    out = tmp_path / 'out'
    matrix, classes = confusion_matrix.main(
        [CONFIG, str(preds), str(out), *options(data_root)])
    np.testing.assert_array_equal(matrix, expected_matrix())
    assert classes[1] == 'skin' and classes[10] == 'hair'
    np.testing.assert_array_equal(np.load(out / 'confusion_matrix.npy'),
                                  expected_matrix())
    image = cv2.imread(str(out / 'confusion_matrix.png'))
    assert image is not None and image.shape[:2] == (561, 660)


def test_from_a_results_pickle(cfg, data_root, tmp_path):
    """DumpResults' layout: data samples as dicts, ``pred_sem_seg.data``
    a (1, H, W) tensor."""
    dump = [dict(img_path=str(data_root / 'test' / 'images' / f'{name}.jpg'),
                 pred_sem_seg=dict(data=torch.tensor([pred])))
            for name, pred in reversed(PREDS.items())]
    path = tmp_path / 'preds.pkl'
    path.write_bytes(pickle.dumps(dump))
    matrix, _ = confusion_matrix.confusion_matrix(
        cfg.copy(), str(path), str(tmp_path))
    np.testing.assert_array_equal(matrix, expected_matrix())


def test_names_images_without_a_prediction(cfg, tmp_path):
    preds = tmp_path / 'pngs'
    preds.mkdir()
    cv2.imwrite(str(preds / 'a.png'), np.array(PREDS['a'], np.uint8))
    with pytest.raises(FileNotFoundError, match=r"1 of 2 .*\['b'\]"):
        confusion_matrix.confusion_matrix(cfg.copy(), str(preds),
                                          str(tmp_path))


def test_runs_a_checkpoint(cfg, data_root, tmp_path):
    """A checkpoint is run on the test set first (random tiny weights):
    every labelled pixel is counted once, rows are the true counts."""
    import sys

    from mmseg.registry import MODELS
    sys.path.insert(0, 'tests/helpers')
    from tiny_lapa import mmengine_state_restored
    torch.manual_seed(0)
    model = MODELS.build(cfg.model)
    checkpoint = tmp_path / 'random.pth'
    torch.save(dict(state_dict=model.state_dict()), checkpoint)
    with mmengine_state_restored():
        matrix, _ = confusion_matrix.confusion_matrix(
            cfg.copy(), str(checkpoint), str(tmp_path))
    assert (tmp_path / 'preds.pkl').is_file()
    np.testing.assert_array_equal(matrix.sum(1),
                                  expected_matrix().sum(1))
