"""The stock OpenMMLab inferencers on farl_mm's own task configs and
checkpoints (issue 15 item 1): mmseg's ``MMSegInferencer``, mmpose's
``MMPoseInferencer`` and ``inference_topdown``, mmpretrain's
``ImageClassificationInferencer`` and ``FeatureExtractor``, on a photo
given as a path or an array, with its 5 points given, found by a
detector, or absent (the photo taken as an aligned face). Each result must
equal farl_mm.apis' own for the same input. Covers the test-time
fallbacks of farl_mm.datasets.transforms.loading (``LoadFaceLandmarks``)
and farl_mm.datasets.transforms.face_align_warp (``FaceAlignWarp``).

Tiny synthetic configs, random weights saved once per module."""
import os.path as osp
import warnings

import cv2
import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.dataset import pseudo_collate

from farl_mm.apis.face_inputs import in_memory_pipeline

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CONFIGS = dict(
    parsing='lapa_upernet_tiny_synthetic.py',
    alignment='aflw19_upernet_tiny_synthetic.py',
    attributes='celeba_attributes_tiny_synthetic.py')


def _config(task):
    return osp.join(REPO, 'configs', 'farl', CONFIGS[task])


@pytest.fixture(scope='module')
def face(tmp_path_factory):
    """A 128 px synthetic face photo on disk, its 5 points and box."""
    from farl_mm.synthetic import SyntheticFaceGenerator
    sample = SyntheticFaceGenerator(128, seed=3).sample(0)
    path = str(tmp_path_factory.mktemp('stock') / 'face.png')
    cv2.imwrite(path, sample.image)
    return dict(path=path, img=sample.image, box=sample.box,
                points=sample.landmarks('5').astype(np.float64))


@pytest.fixture(scope='module')
def checkpoints(face):
    """Random-weight checkpoints of each task, saved as a Runner does."""
    from farl_mm.apis.face_tasks import init_task_model
    torch.manual_seed(0)
    paths = {}
    for task in CONFIGS:
        model = init_task_model(task, None, _config(task))
        paths[task] = osp.join(osp.dirname(face['path']), f'{task}.pth')
        meta = dict(cfg=Config.fromfile(_config(task)).pretty_text)
        if getattr(model, 'dataset_meta', None):
            meta['dataset_meta'] = model.dataset_meta
        torch.save(dict(meta=meta, state_dict=model.state_dict()),
                   paths[task])
    return paths


@pytest.fixture
def fake_detector(face, monkeypatch):
    """``detect_faces(img, 'fake')`` finds the photo's face (and a worse
    one, which must not be taken)."""
    from farl_mm.apis import face_inputs
    found = [dict(box=face['box'], landmarks=face['points'][::-1] * 0.5,
                  score=0.6),
             dict(box=face['box'], landmarks=face['points'], score=0.9)]

    def detect_faces(image_bgr, name, **kwargs):
        assert name == 'fake' and image_bgr.shape == face['img'].shape
        return found
    monkeypatch.setattr(face_inputs, 'detect_faces', detect_faces)
    return 'fake'


def _with_detector(task, name):
    """The task config whose test-time FaceAlignWarp uses ``name``."""
    cfg = Config.fromfile(_config(task))
    for step in cfg.test_dataloader.dataset.pipeline:
        if step['type'] == 'farl_mm.FaceAlignWarp':
            step['detector'] = name
    return cfg


def test_mmseg_inferencer_matches_parse_face(face, checkpoints,
                                             fake_detector):
    from mmseg.apis import MMSegInferencer

    from farl_mm.apis import init_face_parser, parse_face
    model = init_face_parser(_config('parsing'), checkpoints['parsing'])
    stock = MMSegInferencer(_config('parsing'), checkpoints['parsing'],
                            device='cpu')
    whole = parse_face(model, face['img'])
    by_points = parse_face(model, face['img'], face['points'])
    assert (whole != by_points).any()  # the points change the answer
    for photo in (face['path'], face['img']):  # absent: the whole photo
        labels = stock(photo)['predictions']
        assert labels.shape == (128, 128)
        np.testing.assert_array_equal(labels, whole)
    given = stock(dict(img=face['img'], face_points=face['points']))
    np.testing.assert_array_equal(given['predictions'], by_points)
    detected = MMSegInferencer(_with_detector('parsing', fake_detector),
                               checkpoints['parsing'], device='cpu')
    np.testing.assert_array_equal(detected(face['path'])['predictions'],
                                  by_points)


def test_mmpose_inferencers_match_align_face(face, checkpoints):
    from mmpose.apis import MMPoseInferencer, inference_topdown

    from farl_mm.apis import align_face, init_face_aligner
    model = init_face_aligner(_config('alignment'), checkpoints['alignment'])
    stock = MMPoseInferencer(pose2d=_config('alignment'),
                             pose2d_weights=checkpoints['alignment'],
                             device='cpu')
    whole, _ = align_face(model, face['img'])
    assert whole.shape == (19, 2)
    for photo in (face['path'], face['img']):  # no detector: whole photo
        out = next(stock(photo))['predictions'][0]
        assert len(out) == 1 and out[0]['bbox'][0] == [0, 0, 128, 128]
        np.testing.assert_allclose(out[0]['keypoints'], whole, atol=1e-4)
    # a face box: inference_topdown (mmpose 1.3.2's Pose2DInferencer
    # drops its ``bboxes`` argument when it has no detector)
    want, _ = align_face(model, face['img'], face['box'])
    for photo in (face['path'], face['img']):
        sample = inference_topdown(model, photo, face['box'][None])[0]
        np.testing.assert_allclose(sample.pred_instances.keypoints[0], want,
                                   atol=1e-4)
    assert np.abs(want - whole).max() > 1  # the box is used
    # photo pixels: the box's points lie near the box, not on a 128 canvas
    x1, y1, x2, y2 = face['box']
    inside = ((want >= [x1 - 20, y1 - 20]) & (want <= [x2 + 20, y2 + 20]))
    assert inside.all(1).mean() > 0.5


def test_mmpretrain_inferencers_match_classify_faces(face, checkpoints,
                                                     fake_detector):
    from mmpretrain.apis import FeatureExtractor, ImageClassificationInferencer

    from farl_mm.apis import classify_faces, init_face_classifier
    model = init_face_classifier(_config('attributes'),
                                 checkpoints['attributes'])
    want = classify_faces(model, face['img'], [face['points']])[0]
    detected = ImageClassificationInferencer(
        _with_detector('attributes', fake_detector),
        pretrained=checkpoints['attributes'], device='cpu')
    stock = ImageClassificationInferencer(
        _config('attributes'), pretrained=checkpoints['attributes'],
        device='cpu')
    for photo in (face['path'], face['img']):
        scores = detected(photo)[0]['pred_scores']
        assert scores.shape == (40,)
        np.testing.assert_allclose(scores, want, atol=1e-6)
        whole = stock(photo)[0]['pred_scores']  # absent: the whole photo
        assert whole.shape == (40,) and np.abs(whole - want).max() > 1e-4
    features = FeatureExtractor(_config('attributes'),
                                pretrained=checkpoints['attributes'],
                                device='cpu')(face['path'])[0]
    pipeline = in_memory_pipeline(model._config, 'mmpretrain',
                                  {'LoadImageFromFile'})
    data = model.data_preprocessor(
        pseudo_collate([pipeline(dict(img=face['img']))]), False)
    with torch.no_grad():
        own = model.extract_feat(data['inputs'])
    got, want = _flat(features), [t[0] for t in _flat(own)]
    assert len(got) == len(want) == 4  # the 4 blocks' raw tokens
    for mine, theirs in zip(got, want):
        torch.testing.assert_close(mine, theirs)


def _flat(tensors):
    if isinstance(tensors, torch.Tensor):
        return [tensors]
    return [t for part in tensors for t in _flat(part)]


def test_the_whole_photo_warns_unless_square(face, checkpoints):
    from mmseg.apis import MMSegInferencer
    stock = MMSegInferencer(_config('parsing'), checkpoints['parsing'],
                            device='cpu')
    wide = np.concatenate([face['img'], face['img']], 1)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter('always')
        stock(face['img'])
        assert not [w for w in caught if 'not square' in str(w.message)]
        labels = stock(wide)['predictions']
    assert labels.shape == (128, 256)
    assert [w for w in caught if 'the whole photo is taken as an aligned '
            'face, but it is not square (256x128 px)' in str(w.message)]


def test_training_pipelines_still_need_landmark_files():
    from farl_mm.datasets.transforms import LoadFaceLandmarks
    with pytest.raises(KeyError, match='no landmark_path'):
        LoadFaceLandmarks()(dict(img_path='a.jpg', img=np.zeros((4, 4, 3))))
    kept = LoadFaceLandmarks(optional=True)(dict(face_points=np.ones((5, 2))))
    assert kept['face_points'].shape == (5, 2)
