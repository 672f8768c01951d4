"""farl_mm.apis.face_inputs: the offline MTCNN detector on a real photo
(scikit-image's public-domain astronaut portrait), the default choice of
faces in demo/face_demo.py, score thresholds, the whole-photo warning and
the online detectors failing offline with a clear message."""
import json
import os.path as osp
import runpy
import sys
import urllib.error
import warnings
from unittest import mock

import cv2
import numpy as np
import pytest
import torch

from farl_mm.apis import face_inputs
from farl_mm.apis.face_inputs import (DetectorOfflineError, detect_faces,
                                      find_faces)
from farl_mm.apis.photo_inputs import PhotoInputError

pytest.importorskip('facenet_pytorch', reason='requirements/tests.txt')
skimage_data = pytest.importorskip('skimage.data')

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
#: Hand-labelled on the 512x512 photo (pixel centres at integers): the
#: image-left eye's and image-right eye's pupils, the nose tip, the
#: image-left and image-right mouth corners: FaRL's 5-point order.
ASTRONAUT_POINTS = np.array([[202.5, 100.5], [245.5, 103.0], [223.0, 127.0],
                             [203.0, 139.0], [245.0, 140.5]])
#: 5 px on the 512 px photo: 12 % of its 43 px between the pupils.
TOLERANCE_PX = 5.0


@pytest.fixture(scope='module')
def astronaut():
    return np.ascontiguousarray(skimage_data.astronaut()[..., ::-1])  # BGR


def test_mtcnn_puts_the_five_points_on_the_astronaut(astronaut):
    faces = detect_faces(astronaut, 'mtcnn', where='astronaut')
    assert len(faces) == 1
    face = faces[0]
    assert face['score'] > 0.99
    errors = np.linalg.norm(face['landmarks'] - ASTRONAUT_POINTS, axis=1)
    print('MTCNN points', np.round(face['landmarks'], 1).tolist(),
          'errors (px)', np.round(errors, 2).tolist())
    assert errors.max() < TOLERANCE_PX, errors
    x1, y1, x2, y2 = face['box']
    assert (x1 < ASTRONAUT_POINTS[:, 0].min() < ASTRONAUT_POINTS[:, 0].max()
            < x2) and (y1 < ASTRONAUT_POINTS[:, 1].min() < y2)


def test_auto_detector_and_the_whole_photo_fallback(monkeypatch):
    blank = np.full((64, 64, 3), 128, np.uint8)
    assert face_inputs.default_detector() == 'mtcnn'
    with pytest.raises(PhotoInputError,
                       match='blank: mtcnn found no face scoring >= 0.8'):
        find_faces(blank, detector='mtcnn', where='blank')
    # the default: no face on an aligned-looking photo -> the whole photo
    with pytest.warns(UserWarning, match='blank: mtcnn found no face'):
        faces = find_faces(blank, where='blank')
    assert len(faces) == 1 and faces[0]['whole_photo']
    # a wide photo with no face is not taken whole
    with pytest.raises(PhotoInputError, match='wide: mtcnn found no face'):
        find_faces(np.full((64, 128, 3), 128, np.uint8), where='wide')
    monkeypatch.setattr(face_inputs.importlib.util, 'find_spec',
                        lambda name: None)
    assert face_inputs.default_detector() is None


@pytest.mark.parametrize('shape, why', [
    ((300, 512), r'it is not square \(512x300 px\)'),
    ((1100, 1100), 'it is 1100x1100 px, far above the training crops')])
def test_whole_photo_warns_when_not_an_aligned_crop(shape, why):
    with pytest.warns(UserWarning, match=f'photo.png: no landmarks and no '
                      f'face detector.*{why}.*pip install -e'):
        faces = find_faces(np.zeros((*shape, 3), np.uint8), detector=None,
                           where='photo.png')
    assert faces[0]['whole_photo']


def test_whole_photo_of_an_aligned_crop_is_silent():
    with warnings.catch_warnings():
        warnings.simplefilter('error')
        faces = find_faces(np.zeros((448, 448, 3), np.uint8), detector=None)
    assert faces[0]['whole_photo']


def test_score_threshold_applies_to_landmarks_files(tmp_path):
    points = [[20., 20], [40, 20], [30, 30], [22, 40], [38, 40]]
    path = tmp_path / 'faces.json'
    path.write_text(json.dumps(dict(faces=[
        dict(landmarks=points, score=0.95), dict(landmarks=points, score=0.3),
        dict(landmarks=points)])))  # no score: 1.0
    image = np.zeros((64, 64, 3), np.uint8)
    scores = [f['score'] for f in find_faces(image, str(path))]
    assert scores == [0.95, 1.0]
    assert len(find_faces(image, str(path), score_thr=0.2)) == 3
    with pytest.raises(PhotoInputError, match=r'faces\.json: no face scores '
                       r'>= 1\.5 \(scores \[0\.95, 0\.3, 1\.0\]\)'):
        find_faces(image, str(path), score_thr=1.5)


def test_online_detectors_fail_offline_with_a_clear_message(monkeypatch):
    import requests
    image = np.zeros((32, 32, 3), np.uint8)

    def no_internet(*args, **kwargs):
        raise urllib.error.URLError('[Errno -3] Temporary failure in name '
                                    'resolution')

    class Facer:  # facer's interface; its weights download fails
        face_detector = staticmethod(no_internet)

    class FaceAnalysis:  # insightface's, failing as requests does
        def __init__(self, *args, **kwargs):
            raise requests.exceptions.ConnectionError('Max retries exceeded')

    insightface_app = mock.MagicMock(FaceAnalysis=FaceAnalysis)
    monkeypatch.setitem(sys.modules, 'facer', Facer)
    monkeypatch.setitem(sys.modules, 'insightface', mock.MagicMock(
        app=insightface_app))
    monkeypatch.setitem(sys.modules, 'insightface.app', insightface_app)
    for name, package, cause in (
            ('facer', 'pyfacer', 'URLError'),
            ('insightface', 'insightface onnxruntime', 'ConnectionError')):
        with pytest.raises(DetectorOfflineError) as info:
            detect_faces(image, name)
        message = str(info.value)
        assert message.startswith(
            f'--detector {name} ({package}) downloads its weights on first '
            f'use and could not ({cause}: '), message
        assert '--detector mtcnn' in message and '--landmarks' in message


def test_face_demo_finds_the_astronaut_by_default(astronaut, tmp_path):
    """demo/face_demo.py with neither --landmarks nor --detector: MTCNN
    finds the one face and the (random-weight) parser runs on it."""
    from farl_mm.apis.face_tasks import init_task_model
    config = osp.join(REPO, 'configs', 'farl',
                      'lapa_upernet_tiny_synthetic.py')
    torch.manual_seed(0)
    ckpt = tmp_path / 'parsing.pth'
    torch.save(dict(state_dict=init_task_model(
        'parsing', None, config).state_dict()), ckpt)
    cv2.imwrite(str(tmp_path / 'astronaut.png'), astronaut)
    script = osp.join(REPO, 'demo', 'face_demo.py')
    argv = [script, str(tmp_path / 'astronaut.png'), '--tasks', 'parsing',
            '--checkpoints', str(ckpt), '--configs', config,
            '--out', str(tmp_path / 'out')]
    with mock.patch.object(sys, 'argv', argv):
        runpy.run_path(script, run_name='__main__')
    with open(tmp_path / 'out' / 'astronaut.json') as f:
        result = json.load(f)
    assert result['image_size'] == [512, 512]
    [face] = result['faces']
    assert not face['whole_photo'] and face['score'] > 0.99
    assert np.abs(np.array(face['landmarks5']) -
                  ASTRONAUT_POINTS).max() < TOLERANCE_PX
    labels = cv2.imread(result['files']['parsing'], cv2.IMREAD_UNCHANGED)
    assert labels.shape == (512, 512)
    assert sum(face['parsing_areas'].values()) == 512 * 512
