"""farl_mm.apis.face_tasks, through demo/face_demo.py, on a photo with two
synthetic faces side by side, with the tiny parsing / alignment / attribute
models at random weights (what is checked is the plumbing: geometry back to
the photo, one record per face, files at the photo's size, clear errors).
Through it: farl_mm.apis.face_alignment, farl_mm.apis.face_attributes and
farl_mm.apis.face_inputs (their refusals: test_photo_inputs.py)."""
import json
import os.path as osp
import runpy
import sys
from unittest import mock

import cv2
import numpy as np
import pytest
import torch
from mmengine.config import Config

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CONFIGS = dict(
    parsing='lapa_upernet_tiny_synthetic.py',
    alignment='aflw19_upernet_tiny_synthetic.py',
    attributes='celeba_attributes_tiny_synthetic.py')
SIDE = 128  # each face's square
GAP = 16  # black between the two: no face's aligned canvas reaches the other
SHIFT = SIDE + GAP  # the right face's offset
WIDTH = 2 * SIDE + GAP


def _config(task):
    return osp.join(REPO, 'configs', 'farl', CONFIGS[task])


@pytest.fixture(scope='module')
def photo(tmp_path_factory):
    """The two-face photo and its faces JSON (right face shifted)."""
    from farl_mm.synthetic import SyntheticFaceGenerator
    tmp = tmp_path_factory.mktemp('face_demo')
    gen = SyntheticFaceGenerator(SIDE, seed=0)
    samples = [gen.sample(i) for i in range(2)]
    gap = np.zeros((SIDE, GAP, 3), np.uint8)
    image = np.concatenate([samples[0].image, gap, samples[1].image], 1)
    faces = [dict(box=(s.box + [i * SHIFT, 0, i * SHIFT, 0]).tolist(),
                  landmarks=(s.landmarks('5') + [i * SHIFT, 0]).tolist(),
                  score=0.99) for i, s in enumerate(samples)]
    cv2.imwrite(str(tmp / 'two.png'), image)
    (tmp / 'two.json').write_text(json.dumps(dict(faces=faces)))
    return tmp, samples, faces


@pytest.fixture(scope='module')
def checkpoints(photo):
    """Random-weight checkpoints saving their config as a Runner does."""
    from farl_mm.apis.face_tasks import init_task_model
    tmp = photo[0]
    paths = {}
    torch.manual_seed(0)
    for task in CONFIGS:
        model = init_task_model(task, None, _config(task))
        cfg = Config.fromfile(_config(task))
        paths[task] = str(tmp / f'{task}.pth')
        torch.save(dict(meta=dict(cfg=cfg.pretty_text),
                        state_dict=model.state_dict()), paths[task])
    return paths


@pytest.fixture(scope='module')
def demo(photo, checkpoints):
    tmp = photo[0]
    script = osp.join(REPO, 'demo', 'face_demo.py')
    tasks = list(CONFIGS)
    argv = [script, str(tmp / 'two.png'), '--tasks', *tasks,
            '--checkpoints', *[checkpoints[t] for t in tasks],
            # the attribute config from the checkpoint, the others given
            '--configs', _config('parsing'), _config('alignment'), '-',
            '--landmarks', str(tmp / 'two.json'), '--out', str(tmp / 'out')]
    with mock.patch.object(sys, 'argv', argv):
        runpy.run_path(script, run_name='__main__')
    with open(tmp / 'out' / 'two.json') as f:
        return json.load(f)


def test_outputs_at_the_photo_resolution_one_record_per_face(photo, demo):
    tmp = photo[0]
    assert demo['image_size'] == [SIDE, WIDTH]
    for name in ('parsing_overlay', 'landmarks', 'attributes'):
        img = cv2.imread(demo['files'][name])
        assert img.shape == (SIDE, WIDTH, 3), name
    labels = cv2.imread(str(tmp / 'out' / 'two_parsing.png'),
                        cv2.IMREAD_UNCHANGED)
    assert labels.shape == (SIDE, WIDTH) and labels.max() < 11
    assert len(demo['faces']) == 2
    for face in demo['faces']:
        assert np.shape(face['landmarks']) == (19, 2)
        assert len(face['attributes']) == 40
        assert all(0 <= p <= 1 for p in face['attributes'].values())
        assert sum(face['parsing_areas'].values()) > 0
    # every pixel is counted for exactly one face
    total = sum(sum(f['parsing_areas'].values()) for f in demo['faces'])
    assert total == SIDE * WIDTH


def test_landmarks_map_back_to_the_photo(photo, checkpoints, demo):
    """Each face alone, in its own 128 px image, gives the same points
    shifted by its offset: the demo reports photo coordinates."""
    from farl_mm.apis import align_face, init_face_aligner
    _, samples, _ = photo
    model = init_face_aligner(_config('alignment'), checkpoints['alignment'])
    for i, sample in enumerate(samples):
        alone, _ = align_face(model, sample.image, sample.box)
        np.testing.assert_allclose(
            np.asarray(demo['faces'][i]['landmarks']),
            alone + [i * SHIFT, 0], atol=6e-3)  # JSON keeps 2 decimals
    # and the two faces' predictions sit in their own halves
    xs = [np.mean(np.asarray(f['landmarks'])[:, 0]) for f in demo['faces']]
    assert xs[0] < SIDE < SHIFT < xs[1]


def test_each_pixel_parsed_by_its_own_face(photo, checkpoints, demo):
    from farl_mm.apis import init_face_parser, parse_face
    from farl_mm.apis.face_parsing import parse_faces
    tmp, _, faces = photo
    model = init_face_parser(_config('parsing'), checkpoints['parsing'])
    image = cv2.imread(str(tmp / 'two.png'))
    points = [f['landmarks'] for f in faces]
    labels, owner = parse_faces(model, image, points)
    for i, face in enumerate(faces):  # a face owns its box, and more
        x1, y1, x2, y2 = np.round(face['box']).astype(int)
        assert (owner[y1:y2, x1:x2] == i).all()
        assert (owner == i).mean() > 0.3
    for i, p in enumerate(points):
        alone = parse_face(model, image, p)
        np.testing.assert_array_equal(labels[owner == i], alone[owner == i])
    demo_labels = cv2.imread(str(tmp / 'out' / 'two_parsing.png'),
                             cv2.IMREAD_UNCHANGED)
    np.testing.assert_array_equal(demo_labels, labels)


def test_attributes_follow_the_landmarks(photo, checkpoints, demo):
    """Aligned by its own landmarks, a face scores the same in the photo
    and cut out alone (the aligned canvas stays inside its half)."""
    from farl_mm.apis.face_attributes import (attribute_names,
                                              classify_faces)
    from farl_mm.apis.face_tasks import init_task_model
    _, samples, _ = photo
    model = init_task_model('attributes', checkpoints['attributes'])
    names = attribute_names(model)
    assert names[:2] == ['5_o_Clock_Shadow', 'Arched_Eyebrows']
    alone = classify_faces(model, samples[1].image,
                           [samples[1].landmarks('5')])[0]
    got = np.array([demo['faces'][1]['attributes'][n] for n in names])
    np.testing.assert_allclose(got, alone, atol=1e-3)
    other = np.array([demo['faces'][0]['attributes'][n] for n in names])
    assert np.abs(other - got).max() > 1e-3  # two faces, two answers


def test_bad_landmarks_json_names_the_file_and_face(tmp_path):
    from farl_mm.apis.face_inputs import load_faces
    path = tmp_path / 'faces.json'
    good = dict(landmarks=[[1, 2]] * 5)
    path.write_text(json.dumps([good, dict(landmarks=[[1, 2]] * 4)]))
    with pytest.raises(ValueError, match=r'faces\.json: faces\[1\]'
                       r'\.landmarks: expected 5'):
        load_faces(str(path))
    path.write_text('{"faces": [')
    with pytest.raises(ValueError, match='faces.json: not valid JSON'):
        load_faces(str(path))
    # box and score are optional; RetinaFace's raw rows are read too
    row = [0, 0, 10, 10, 0.9] + list(range(10))
    path.write_text(json.dumps(dict(faces=[good, row])))
    faces = load_faces(str(path))
    assert faces[0]['box'] is None and faces[0]['score'] == 1.0
    np.testing.assert_array_equal(faces[1]['landmarks'][4], [8, 9])


def test_alignment_without_a_box_is_refused(photo, checkpoints, tmp_path):
    from farl_mm.apis.face_tasks import init_task_model, run_face_tasks
    tmp, _, faces = photo
    model = init_task_model('alignment', checkpoints['alignment'])
    face = dict(landmarks=np.asarray(faces[0]['landmarks']), box=None,
                score=1.0)
    with pytest.raises(ValueError, match=r'faces\[0\] has no "box"'):
        run_face_tasks(cv2.imread(str(tmp / 'two.png')), [face],
                       dict(alignment=model), str(tmp_path / 'x'))


def test_optional_detector(monkeypatch):
    """Missing: the error names the pip package. Present (a stand-in with
    facer's interface): its boxes and points become the faces."""
    from farl_mm.apis.face_inputs import detect_faces
    image = np.zeros((32, 32, 3), np.uint8)
    face_points = [[8., 12], [20, 12], [14, 18], [10, 24], [18, 24]]
    monkeypatch.setitem(sys.modules, 'facer', None)  # import fails
    with pytest.raises(ModuleNotFoundError, match='pip install pyfacer'):
        detect_faces(image, 'facer')

    class FakeFacer:
        @staticmethod
        def face_detector(name, device):
            assert name == 'retinaface/mobilenet'

            def detect(pixels):
                assert pixels.shape == (1, 3, 32, 32)
                return dict(rects=torch.tensor([[1., 2, 20, 30]] * 2),
                            points=torch.tensor([face_points] * 2),
                            scores=torch.tensor([0.9, 0.1]))
            return detect

    monkeypatch.setitem(sys.modules, 'facer', FakeFacer)
    faces = detect_faces(image, 'facer')
    assert len(faces) == 1  # the 0.1 detection is dropped
    np.testing.assert_array_equal(faces[0]['landmarks'], face_points)


def test_init_takes_a_checkpoint_alone(photo, checkpoints):
    """``init_*(checkpoint)``: the config read from the checkpoint (as
    data) gives the same predictions as the config file."""
    from farl_mm.apis import (align_face, classify_faces, init_face_aligner,
                              init_face_classifier, init_face_parser,
                              parse_face)
    tmp, _, faces = photo
    image = cv2.imread(str(tmp / 'two.png'))
    points = faces[0]['landmarks']
    for init, run in ((init_face_parser, lambda m: parse_face(m, image,
                                                                points)),
                      (init_face_aligner, lambda m: align_face(
                          m, image, faces[0]['box'])[0]),
                      (init_face_classifier, lambda m: classify_faces(
                          m, image, [points]))):
        task = {init_face_parser: 'parsing', init_face_aligner: 'alignment',
                init_face_classifier: 'attributes'}[init]
        alone = run(init(checkpoints[task]))
        given = run(init(_config(task), checkpoints[task]))
        np.testing.assert_allclose(np.asarray(alone, float),
                                   np.asarray(given, float), atol=1e-6)
