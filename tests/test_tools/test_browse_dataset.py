"""tools/misc/browse_dataset.py on synthetic LaPa faces: the labels drawn
on the warped input are the training labels, pixel for pixel, and the
inverse warp puts them back where the photo's label map has them."""
import sys

import cv2
import numpy as np
import pytest

from farl_mm.datasets import LaPaDataset
from tools.misc import browse_dataset

CONFIG = 'configs/farl/lapa_upernet_tiny_synthetic.py'


@pytest.fixture(scope='module')
def browsed(tmp_path_factory):
    """Two training samples at opacity 1 (the colours are the labels),
    flipped (the config's RandomFlip, left/right classes swapped, made
    certain): the inverse must undo the flip and the swap too."""
    from farl_mm.synthetic.writers import write_lapa
    root = tmp_path_factory.mktemp('lapa')
    write_lapa(str(root), 'train', 2, size=64)
    out = root / 'browse'
    written, samples, _ = browse_dataset.main([
        CONFIG, '--output-dir', str(out), '--num', '2', '--opacity', '1',
        '--cfg-options', f'train_dataloader.dataset.data_root={root}',
        'randomness.seed=0', 'train_dataloader.dataset.pipeline.4.prob=1.0'])
    return written, samples


def test_writes_two_images_per_sample(browsed):
    written, samples = browsed
    assert len(written) == 4 and len(samples) == 2
    assert [p.rsplit('_', 1)[1] for p in written] == ['input.png',
                                                      'photo.png'] * 2


def colour_ids(image, palette):
    """Class id of each pixel from its colour (-1: no class colour)."""
    bgr = np.asarray(palette, np.uint8)[:, ::-1]
    ids = np.full(image.shape[:2], -1)
    for index, colour in enumerate(bgr):
        ids[(image == colour).all(-1)] = index
    return ids


def test_drawn_labels_are_the_warped_labels(browsed):
    written, samples = browsed
    palette = LaPaDataset.METAINFO['palette']
    for path, sample in zip(written[::2], samples):
        drawn = colour_ids(cv2.imread(path), palette)
        label = sample['gt_seg_map']
        assert drawn.shape == label.shape == (128, 128)
        for cls in range(11):
            assert (drawn == cls).sum() == (label == cls).sum(), cls
        assert sample['face_warp']['alpha'] == 0.8 and sample['flip']


def test_inverse_warp_puts_labels_back(browsed):
    written, samples = browsed
    palette = LaPaDataset.METAINFO['palette']
    for path, sample in zip(written[1::2], samples):
        back = colour_ids(cv2.imread(path), palette)
        original = cv2.imread(sample['seg_map_path'], cv2.IMREAD_UNCHANGED)
        assert back.shape == original.shape == (64, 64)
        ious = [((back == c) & (original == c)).sum()
                / ((back == c) | (original == c)).sum()
                for c in np.unique(original)]
        print('IoU per class', np.round(ious, 3), 'flip', sample['flip'])
        assert np.mean(ious) > 0.99  # measured: 1.0; no tanh undo: 0.88


def test_landmarks_map_back_onto_the_photo(tmp_path):
    """AFLW-19 (mmpose's TopdownAffine crop with rotation, scale and
    shift): landmarks drawn on the crop, and the crop's inverse puts them
    on the annotated points of the photo."""
    import runpy
    from unittest import mock

    from farl_mm.synthetic.writers import write_aflw_mat
    write_aflw_mat(tmp_path, 4, size=128)
    script = 'tools/dataset_converters/aflw19.py'
    argv = [script, *(str(tmp_path / p) for p in (
        'AFLWinfo_release.mat', 'flickr', 'annotations')), '--num-train', '2']
    with mock.patch.object(sys, 'argv', argv):
        runpy.run_path(script, run_name='__main__')
    written, samples, dataset = browse_dataset.main([
        'configs/farl/aflw19_upernet_tiny_synthetic.py', '--output-dir',
        str(tmp_path / 'browse'), '--num', '2', '--cfg-options',
        f'train_dataloader.dataset.data_root={tmp_path}',
        'randomness.seed=0'])
    assert len(written) == 4
    for sample in samples:
        forward = browse_dataset.forward_map(sample, dataset)
        back = browse_dataset.inverse_affine(forward)(
            sample['transformed_keypoints'][0, :, :2])
        error = np.abs(back - sample['keypoints'][0, :, :2]).max()
        print('max landmark error (px)', error)
        assert error < 1e-3
