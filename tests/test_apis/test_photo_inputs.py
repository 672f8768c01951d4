"""Photo inference refuses what it cannot use, naming the photo and the
face, instead of returning garbage: faces outside the photo, empty or
inverted boxes, NaN values, float or 4-channel arrays, empty files and
photos over the pixel limit (read from the header, nothing decoded).
Tiny models at random weights: what is checked is the refusal."""
import inspect
import json
import os.path as osp
import runpy
import struct
import sys
import zlib
from unittest import mock

import cv2
import numpy as np
import pytest
import torch

from farl_mm.apis import (align_face, classify_faces, init_face_aligner,
                          init_face_classifier, init_face_parser, parse_face,
                          parse_faces)

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CONFIGS = osp.join(REPO, 'configs', 'farl')
SIDE = 64


@pytest.fixture(scope='module')
def photo(tmp_path_factory):
    """``face.png`` (64 px, one synthetic face), its 5 points and box."""
    from farl_mm.synthetic import SyntheticFaceGenerator
    sample = SyntheticFaceGenerator(SIDE, seed=0).sample(0)
    path = str(tmp_path_factory.mktemp('photo') / 'face.png')
    cv2.imwrite(path, sample.image)
    return path, sample.landmarks('5').astype(np.float64), sample.box


@pytest.fixture(scope='module')
def parser():
    torch.manual_seed(0)
    return init_face_parser(osp.join(CONFIGS,
                                     'lapa_upernet_tiny_synthetic.py'))


@pytest.fixture(scope='module')
def classifier():
    torch.manual_seed(0)
    return init_face_classifier(
        osp.join(CONFIGS, 'celeba_attributes_tiny_synthetic.py'))


@pytest.fixture(scope='module')
def aligner():
    torch.manual_seed(0)
    return init_face_aligner(osp.join(CONFIGS,
                                      'aflw19_upernet_tiny_synthetic.py'))


def test_face_outside_the_photo(photo, parser, classifier, aligner):
    path, points, box = photo
    away = points + [50, 0]  # right of the 64 px photo
    with pytest.raises(ValueError, match=r'face\.png: faces\[1\]: all 5 '
                       r'points outside the 64x64 image.*\(landmarks x 77'):
        parse_faces(parser, path, [points, away])
    with pytest.raises(ValueError, match=r'face\.png: faces\[0\]: all 5 '
                       'points outside'):
        classify_faces(classifier, path, [away])
    with pytest.raises(ValueError, match=r'face\.png: faces\[0\]: box '
                       r'\[71\.4.*\]: entirely outside the 64x64 photo'):
        align_face(aligner, path, box + [50, 0, 50, 0])
    with pytest.raises(ValueError, match=r'face\.png: faces\[0\]: box '
                       r'\[.*1e\+06\]: more than a photo size outside'):
        align_face(aligner, path, [10, 10, 40, 1e6])
    absurd = np.vstack([points[:4], [[1e20, 30]]])
    with pytest.raises(ValueError, match=r'face\.png: faces\[0\]: landmarks'
                       r' up to 1e\+20 px far outside'):
        classify_faces(classifier, path, [absurd])
    # a face cut by the photo's edge is a face
    assert classify_faces(classifier, path, [points - [30, 0]]).shape == \
        (1, 40)


@pytest.mark.parametrize('bad', [[10, 10, 10, 40], [40, 40, 10, 10]])
def test_empty_or_inverted_box(photo, aligner, bad):
    path = photo[0]
    with pytest.raises(ValueError, match=rf'face\.png: faces\[0\]: box '
                       rf'\[{bad[0]}, {bad[1]}, {bad[2]}, {bad[3]}\] is '
                       r'-?\d+ x -?\d+ px; expected x1 < x2 and y1 < y2'):
        align_face(aligner, path, bad)


def test_non_finite_values(photo, parser, aligner, monkeypatch):
    from farl_mm.apis.face_inputs import detect_faces
    path, points, box = photo
    with pytest.raises(ValueError, match=r'face\.png: faces\[0\]: box '
                       r'\[nan, 10, 40, 40\] is not finite'):
        align_face(aligner, path, [np.nan, 10, 40, 40])
    nan_nose = points.copy()
    nan_nose[2] = np.nan
    with pytest.raises(ValueError, match=r'face\.png: faces\[0\]: landmark '
                       r'2 \[nan, nan\] is not finite'):
        parse_face(parser, path, nan_nose)

    class NaNFacer:  # facer's interface, a NaN box
        @staticmethod
        def face_detector(name, device):
            return lambda pixels: dict(
                rects=torch.tensor([[np.nan, 2, 20, 30]]),
                points=torch.as_tensor(points[None]),
                scores=torch.tensor([0.9]))

    monkeypatch.setitem(sys.modules, 'facer', NaNFacer)
    with pytest.raises(ValueError, match=r'face\.png \(facer\): faces\[0\]: '
                       r'box \[nan, 2, 20, 30\] is not finite'):
        detect_faces(cv2.imread(path), 'facer', where=path)


def test_arrays_uint8_gray_converted_alpha_refused(photo, parser):
    from farl_mm.apis.photo_inputs import PhotoInputError
    path, points, _ = photo
    img = cv2.imread(path)
    with pytest.raises(PhotoInputError, match=r'image: a float64 array; .*'
                       r'uint8 BGR pixels in \[0, 255\]'):
        parse_face(parser, img / 255.0, points)  # was parsed as black
    with pytest.raises(PhotoInputError, match=r'image: an array of shape '
                       r'\(64, 64, 4\).*alpha'):
        parse_face(parser, np.dstack([img, img[..., :1]]), points)
    with pytest.raises(PhotoInputError, match=r'image: an empty 0x64'):
        parse_face(parser, img[:0], points)
    gray = img[..., 1]
    as_bgr = parse_face(parser, cv2.cvtColor(gray, cv2.COLOR_GRAY2BGR),
                        points)
    np.testing.assert_array_equal(parse_face(parser, gray, points), as_bgr)
    np.testing.assert_array_equal(parse_face(parser, gray[..., None], points),
                                  as_bgr)


def test_empty_and_unreadable_files(photo, tmp_path, parser):
    from farl_mm.apis.photo_inputs import read_photo
    empty = tmp_path / 'empty.png'
    empty.write_bytes(b'')
    with pytest.raises(ValueError, match=r'empty\.png: empty file'):
        read_photo(str(empty))  # was cv2.error: !buf.empty()
    with pytest.raises(ValueError, match=r'empty\.png: empty file'):
        parse_face(parser, str(empty))
    junk = tmp_path / 'junk.png'
    junk.write_bytes(b'no image here')
    with pytest.raises(ValueError, match=r'junk\.png: not an image'):
        read_photo(str(junk))
    cut = tmp_path / 'cut.png'
    cut.write_bytes(open(photo[0], 'rb').read()[:200])  # header intact
    with pytest.raises(ValueError, match=r'cut\.png: truncated or corrupt'):
        read_photo(str(cut))


def _png_header(width, height):
    """A 57-byte PNG that claims ``width`` x ``height`` px (no pixels)."""
    def chunk(kind, data):
        return (struct.pack('>I', len(data)) + kind + data +
                struct.pack('>I', zlib.crc32(kind + data)))
    return (b'\x89PNG\r\n\x1a\n' + chunk(b'IHDR', struct.pack(
        '>IIBBBBB', width, height, 8, 2, 0, 0, 0)) + chunk(b'IEND', b''))


def test_pixel_limit_from_the_header(photo, tmp_path, monkeypatch):
    """A 57-byte file claiming 12000x9000 px (324 MB decoded) is refused
    without decoding; training's limit is the default; a caller raises it."""
    from farl_mm.apis.photo_inputs import read_bgr, read_photo
    from farl_mm.datasets import LAIONFaceDataset
    huge = tmp_path / 'huge.png'
    huge.write_bytes(_png_header(12000, 9000))
    decoded = []
    monkeypatch.setattr(cv2, 'imdecode',
                        lambda *a: decoded.append(a) or None)
    with pytest.raises(ValueError, match=r'huge\.png: 12000x9000 px exceeds'
                       r' max_pixels=67108864'):
        read_bgr(str(huge))
    huge.write_bytes(_png_header(20000, 15000))  # over PIL's limit too
    with pytest.raises(ValueError, match=r'huge\.png: .*exceeds'):
        read_photo(str(huge))
    assert decoded == []
    monkeypatch.undo()
    default = inspect.signature(LAIONFaceDataset).parameters['max_pixels']
    assert inspect.signature(read_photo).parameters['max_pixels'].default \
        == default.default == 8192 * 8192
    with pytest.raises(ValueError, match=r'face\.png: 64x64 px exceeds '
                       r'max_pixels=4095'):
        read_photo(photo[0], max_pixels=SIDE * SIDE - 1)
    assert read_photo(photo[0], max_pixels=SIDE * SIDE).shape == (64, 64, 3)


def test_alignment_failure_names_the_file_and_face(photo, tmp_path, parser,
                                                   classifier, monkeypatch):
    path, points, _ = photo
    one = str(tmp_path / 'one.png')
    cv2.imwrite(one, np.zeros((1, 1, 3), np.uint8))
    with pytest.raises(ValueError, match=r'one\.png: faces\[0\] \(the whole '
                       r'photo\): a 1x1 photo is too small to be a face'):
        parse_face(parser, one)
    with pytest.raises(ValueError, match=r'face\.png: faces\[1\]: the 5 '
                       r'points are \(nearly\) coincident'):
        classify_faces(classifier, path, [points, np.full((5, 2), 30.0)])
    # whatever the test pipeline (its alignment) refuses is named too
    from farl_mm.apis import face_parsing

    def refuse(data):
        raise ValueError('degenerate alignment: points too far apart')
    monkeypatch.setattr(face_parsing, 'in_memory_pipeline',
                        lambda *args, **kwargs: refuse)
    with pytest.raises(ValueError, match=r'face\.png: faces\[0\]: '
                       'degenerate alignment: points too far apart'):
        parse_face(parser, path, points)


@pytest.fixture
def demo_run(photo, parser, tmp_path):
    """``run(*extra_args)`` of demo/face_demo.py on ``face.png`` (parsing,
    a random-weight checkpoint), into an ``out`` folder holding the files
    of an earlier run; returns the ``SystemExit`` it raised, or None."""
    path, points, _ = photo
    ckpt = tmp_path / 'parsing.pth'
    torch.save(dict(state_dict=parser.state_dict()), ckpt)
    out = tmp_path / 'out'
    out.mkdir()
    for name in ('face.json', 'face_parsing.png'):
        (out / name).write_text('earlier run')
    script = osp.join(REPO, 'demo', 'face_demo.py')

    def run(*extra):
        argv = [script, path, '--tasks', 'parsing', '--checkpoints',
                str(ckpt), '--configs',
                osp.join(CONFIGS, 'lapa_upernet_tiny_synthetic.py'),
                '--out', str(out), *extra]
        with mock.patch.object(sys, 'argv', argv):
            try:
                runpy.run_path(script, run_name='__main__')
            except SystemExit as exit:
                return exit
    return run, out


def test_cli_bad_input_exits_non_zero_keeping_outputs(photo, tmp_path,
                                                      demo_run):
    run, out = demo_run
    path, points, box = photo
    faces = tmp_path / 'faces.json'
    faces.write_text(json.dumps(dict(faces=[
        dict(box=box.tolist(), landmarks=points.tolist()),
        dict(box=[40, 40, 10, 10], landmarks=points.tolist())])))
    exit = run('--landmarks', str(faces))
    assert exit is not None and isinstance(exit.code, str), exit
    assert 'face.png: faces[1]: box [40, 40, 10, 10]' in exit.code
    exit = run('--max-pixels', '100')
    assert 'face.png: 64x64 px exceeds max_pixels=100' in exit.code
    for name in ('face.json', 'face_parsing.png'):
        assert (out / name).read_text() == 'earlier run', name
    assert run() is None  # good input: written
    assert json.loads((out / 'face.json').read_text())['image_size'] == \
        [SIDE, SIDE]


def test_outputs_written_only_once_every_task_ran(photo, parser, tmp_path,
                                                  monkeypatch):
    """A face that fails in the second task leaves the first task's
    outputs of an earlier run as they were."""
    from farl_mm.apis import face_tasks
    from farl_mm.apis.face_inputs import load_faces
    path, points, _ = photo
    earlier = tmp_path / 'face_parsing.png'
    earlier.write_text('earlier run')

    def fails(*args):
        raise ValueError('degenerate alignment')
    monkeypatch.setitem(face_tasks._RUN, 'attributes', fails)
    faces_json = tmp_path / 'faces.json'
    faces_json.write_text(json.dumps([dict(landmarks=points.tolist())]))
    with pytest.raises(ValueError, match='degenerate alignment'):
        face_tasks.run_face_tasks(
            cv2.imread(path), load_faces(str(faces_json)),
            dict(parsing=parser, attributes=None), str(tmp_path / 'face'))
    assert earlier.read_text() == 'earlier run'
    assert not (tmp_path / 'face.json').exists()
