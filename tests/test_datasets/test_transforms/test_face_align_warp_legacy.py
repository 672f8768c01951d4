"""farl_mm.datasets.transforms.face_align_warp: ``FaceAlignWarp`` with
``alpha=0`` gives exactly what the former ``AlignFaceByLandmarks`` gave,
and that legacy name, read from saved configs, builds it."""
import os.path as osp

import cv2
import numpy as np
import pytest
import torch
from mmengine.config import Config

from farl_mm.datasets.transforms import FaceAlignWarp
from farl_mm.geometry import mean_face_points
from farl_mm.geometry.alignment_targets import face_matrix
from farl_mm.registry import TRANSFORMS

REPO = osp.dirname(osp.dirname(osp.dirname(osp.dirname(
    osp.abspath(__file__)))))
POINTS = (mean_face_points(100) * 0.6 + [20.0, 12.0]).astype(np.float32)
TEMPLATE = (mean_face_points(48) * 0.9 + 2.0).tolist()
# the former AlignFaceByLandmarks' arguments; its image's pixel sum and
# matrix (first row) for seed 3, measured on that transform before the
# merge
LEGACY = dict(
    plain=(dict(size=48), 878505, [0.791246, 0.0, -15.824918]),
    noise=(dict(size=48, landmark_noise_var=5.0), 881745,
           [0.775431, -0.000881, -15.513346]),
    scaled=(dict(size=40, scale=0.8, border_value=77), 612530,
            [0.525253, 0.0, -6.605052]),
    facer=(dict(size=48, template=TEMPLATE, align_corners=False), 882134,
           [0.712121, 0.0, -12.386365]),
)


def _image():
    return np.random.default_rng(7).integers(0, 256, (90, 110, 3),
                                             dtype=np.uint8)


def _former(size=224, scale=1.0, landmark_noise_var=0.0, border_value=0,
            template=None, align_corners=True):
    """The former transform, step by step: noise, similarity, one affine
    resampling."""
    points = POINTS.astype(np.float64)
    if landmark_noise_var > 0:
        points = points + np.random.normal(0.0, np.sqrt(landmark_noise_var),
                                           points.shape)
    matrix = face_matrix(points, size, scale, template,
                         align_corners=align_corners, image_size=(110, 90))
    img = cv2.warpAffine(_image(), matrix[:2], (size, size),
                         flags=cv2.INTER_LINEAR,
                         borderMode=cv2.BORDER_CONSTANT,
                         borderValue=border_value)
    return img, matrix


def _merged(size=224, scale=1.0, **kwargs):
    """The config form the attribute configs now use."""
    return FaceAlignWarp(size=size, face_scale=scale, alpha=0.0,
                         require_points=True, **kwargs)


@pytest.mark.parametrize('case', sorted(LEGACY))
@pytest.mark.parametrize('build', ['merged', 'legacy name'])
def test_outputs_equal_the_former_transform(case, build):
    kwargs, pixel_sum, row = LEGACY[case]
    transform = _merged(**kwargs) if build == 'merged' else \
        TRANSFORMS.build(dict(type='farl_mm.AlignFaceByLandmarks', **kwargs))
    np.random.seed(3)
    out = transform(dict(img=_image(), face_points=POINTS,
                         img_path='x.jpg'))
    after = np.random.rand()
    np.random.seed(3)
    img, matrix = _former(**kwargs)
    np.testing.assert_array_equal(out['img'], img)
    np.testing.assert_array_equal(out['face_warp']['matrix'], matrix)
    assert np.random.rand() == after  # no other draw
    assert int(out['img'].astype(np.int64).sum()) == pixel_sum
    np.testing.assert_allclose(matrix[0], row, atol=1e-6)
    assert out['img_shape'] == (kwargs['size'], ) * 2


def test_legacy_name_translates_its_arguments():
    align = TRANSFORMS.build(dict(
        type='farl_mm.AlignFaceByLandmarks', size=32, scale=0.9,
        landmark_noise_var=5.0, border_value=7, template=TEMPLATE,
        align_corners=False))
    assert type(align) is FaceAlignWarp
    assert (align.size, align.face_scale, align.alpha, align.scale,
            align.landmark_noise_var, align.border_value, align.template,
            align.align_corners, align.require_points) == (
                32, 0.9, 0.0, (1.0, 1.0), 5.0, 7, TEMPLATE, False, True)
    with pytest.raises(KeyError, match="b.jpg: no 'face_points'"):
        align(dict(img=_image(), img_path='b.jpg'))


def test_a_saved_config_naming_the_legacy_transform_still_loads(tmp_path):
    """A checkpoint whose saved config's test pipeline says
    ``AlignFaceByLandmarks`` classifies faces as the current config does."""
    from farl_mm.apis import classify_faces, init_face_classifier
    from farl_mm.apis.face_inputs import config_of_checkpoint
    cfg = Config.fromfile(osp.join(
        REPO, 'configs', 'farl', 'celeba_attributes_tiny_synthetic.py'))
    torch.manual_seed(0)
    current = init_face_classifier(cfg)
    old = cfg.copy()
    old.test_dataloader.dataset.pipeline = [
        dict(type='LoadImageFromFile'),
        dict(type='farl_mm.AlignFaceByLandmarks', size=64),
        dict(type='PackInputs')]
    path = str(tmp_path / 'old.pth')
    torch.save(dict(state_dict=current.state_dict(), meta=dict(
        cfg=old.pretty_text, farl_mm_task='attributes')), path)
    saved = config_of_checkpoint(path)
    assert 'AlignFaceByLandmarks' in str(saved.test_dataloader)
    model = init_face_classifier(saved, path)
    photo = _image()
    points = [POINTS, POINTS + [5.0, 3.0]]
    np.testing.assert_array_equal(classify_faces(model, photo, points),
                                  classify_faces(current, photo, points))
