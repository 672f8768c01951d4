"""Where the faces of a photo come from, and which config a model has.

Faces are five landmarks (and a box) per face, given in a JSON file in the
LAION-Face detections format (``farl_mm.datasets.laion_face_format``)::

    {"faces": [{"box": [x1, y1, x2, y2],
                "landmarks": [[x, y], [x, y], [x, y], [x, y], [x, y]],
                "score": 0.99}, ...]}

or a bare list of such faces, or RetinaFace's raw rows of 15 numbers
(``x1, y1, x2, y2, score, lx0, ly0, ..., lx4, ly4``). Landmark order: the
image-left eye, image-right eye, nose tip, image-left and image-right mouth
corners (RetinaFace's, the mean face's). ``score`` may be left out (1.0);
``box`` too, unless the alignment task runs (its model crops the box).

Or they come from an optional detector (:data:`DETECTORS`), imported only
when asked for: the core install does not need one. ``mtcnn``
(facenet-pytorch, ``pip install -e ".[detector]"``) ships its weights in
the wheel and works offline; :func:`find_faces` uses it by default when it
is installed.
"""
import functools
import importlib.util
import json
import urllib.error
import warnings

import numpy as np
from mmengine.dataset import Compose
from mmengine.registry import init_default_scope

from farl_mm.datasets.laion_face_format import parse_faces
from farl_mm.geometry import mean_face_points

from .photo_inputs import PhotoInputError, check_faces


def load_faces(path):
    """The faces of a landmarks JSON file (format above).

    Returns:
        list[dict]: ``landmarks`` (5, 2) float64 array, ``box`` (4,) array
        or None, ``score`` float.

    Raises:
        PhotoInputError: naming the file (and the face) when it is not JSON
            or a face is malformed (a ``ValueError``; whether the faces
            fit the photo :func:`~.photo_inputs.check_faces` says).
    """
    try:
        with open(path) as f:
            record = json.load(f)
    except json.JSONDecodeError as err:
        raise PhotoInputError(f'{path}: not valid JSON ({err})') from None
    faces = record.get('faces') if isinstance(record, dict) else record
    if not isinstance(faces, list):
        raise PhotoInputError(f'{path}: expected {{"faces": [...]}} or a '
                              f'list of faces, got {record!r:.80}')
    has_box = [not isinstance(f, dict) or 'box' in f for f in faces]
    filled = [dict(f, score=f.get('score', 1.0), box=f.get('box', [0] * 4))
              if isinstance(f, dict) else f for f in faces]
    try:
        parsed = parse_faces(filled, path)
    except ValueError as err:  # names the file and the face
        raise PhotoInputError(str(err)) from None
    out = [dict(landmarks=np.asarray(face['landmarks'], np.float64),
                box=np.asarray(face['box'], np.float64) if boxed else None,
                score=face['score'])
           for face, boxed in zip(parsed, has_box)]
    if not out:
        raise PhotoInputError(f'{path}: no faces listed')
    return out


def whole_photo_face(image):
    """The photo as one face already aligned to FaRL's mean face: its box
    is the whole photo and its landmarks the mean face's, stretched to it
    (no landmarks for parsing, which then rescales the whole photo)."""
    height, width = image.shape[:2]
    return dict(landmarks=mean_face_points((width, height)),
                box=np.array([0, 0, width - 1, height - 1], np.float64),
                score=1.0, whole_photo=True)


#: Detections scoring less are dropped (MTCNN's face probability; also
#: applied to the scores of a landmarks file).
SCORE_THR = 0.8
#: A photo taken whole as an aligned face (no landmarks, no detector) is
#: expected square-ish and not far above the training crops (448-512 px).
ALIGNED_MAX_SIDE = 1024
ALIGNED_MAX_ASPECT = 1.1


@functools.lru_cache(maxsize=2)
def _mtcnn_model(device):
    from facenet_pytorch import MTCNN
    return MTCNN(keep_all=True, device=device).eval()


def _mtcnn(image_bgr, device):
    """facenet-pytorch's MTCNN: P/R/O-nets whose weights ship in the wheel.
    Its points are the image-left eye, image-right eye, nose, image-left and
    image-right mouth corners: the mean face's order as they come."""
    import torch
    rgb = np.ascontiguousarray(image_bgr[..., ::-1])
    with torch.inference_mode():
        boxes, scores, points = _mtcnn_model(str(device)).detect(
            rgb, landmarks=True)
    if boxes is None:
        return []
    return [dict(box=b, landmarks=p, score=s)
            for b, p, s in zip(boxes, points, scores)]


def _facer(image_bgr, device):
    """pyfacer (by FaRL's authors): RetinaFace / MobileNet."""
    import facer
    import torch
    detector = facer.face_detector('retinaface/mobilenet', device=device)
    rgb = np.ascontiguousarray(image_bgr[..., ::-1])
    pixels = torch.from_numpy(rgb).permute(2, 0, 1)[None].to(device)
    with torch.inference_mode():
        found = detector(pixels)
    return [dict(box=b, landmarks=p, score=s) for b, p, s in zip(
        found['rects'].cpu().numpy(), found['points'].cpu().numpy(),
        found['scores'].cpu().numpy())]


def _insightface(image_bgr, device):
    """insightface's default detector (SCRFD / RetinaFace, ONNX)."""
    from insightface.app import FaceAnalysis
    app = FaceAnalysis(allowed_modules=['detection'])
    app.prepare(ctx_id=0 if str(device).startswith('cuda') else -1)
    return [dict(box=f.bbox, landmarks=f.kps, score=f.det_score)
            for f in app.get(image_bgr)]


#: name -> (function, pip package, whether it downloads weights on first
#: use). Each gives RetinaFace-ordered points.
DETECTORS = {
    'mtcnn': (_mtcnn, 'facenet-pytorch==2.5.3', False),
    'facer': (_facer, 'pyfacer', True),
    'insightface': (_insightface, 'insightface onnxruntime', True),
}
DEFAULT_DETECTOR = 'mtcnn'


class DetectorOfflineError(ConnectionError):
    """An online detector could not download its weights."""


def _offline_errors():
    errors = [urllib.error.URLError, ConnectionError, TimeoutError]
    try:
        import requests
        errors.append(requests.exceptions.RequestException)
    except ImportError:
        pass
    return tuple(errors)


def default_detector():
    """``DEFAULT_DETECTOR`` when its package is installed, else None."""
    return (DEFAULT_DETECTOR if importlib.util.find_spec('facenet_pytorch')
            else None)


def detect_faces(image_bgr, name, device='cpu', score_thr=SCORE_THR,
                 where='image'):
    """Faces found by the optional detector ``name`` (see
    :data:`DETECTORS`), in the format of :func:`load_faces`.

    Raises:
        ModuleNotFoundError: naming the pip package when it is missing.
        DetectorOfflineError: naming the package when it cannot download
            its weights (facer, insightface do on first use).
        PhotoInputError: naming ``where`` (the photo) when no face is found
            or one is unusable (:func:`~.photo_inputs.check_faces`).
    """
    if name not in DETECTORS:
        raise ValueError(f'unknown detector {name!r}; one of '
                         f'{sorted(DETECTORS)}')
    detect, package, downloads = DETECTORS[name]
    try:
        found = detect(image_bgr, device)
    except ImportError as err:
        raise ModuleNotFoundError(
            f'--detector {name} needs `pip install {package}` ({err}); or '
            'give the faces with --landmarks FILE.json') from None
    except _offline_errors() as err:
        if not downloads:
            raise
        raise DetectorOfflineError(
            f'--detector {name} ({package}) downloads its weights on first '
            f'use and could not ({type(err).__name__}: {err}); connect once, '
            f'or use --detector {DEFAULT_DETECTOR} (weights inside '
            f'`pip install {DETECTORS[DEFAULT_DETECTOR][1]}`), or give the '
            'faces with --landmarks FILE.json') from None
    faces = [dict(box=np.asarray(f['box'], np.float64).reshape(4),
                  landmarks=np.asarray(f['landmarks'],
                                       np.float64).reshape(5, 2),
                  score=float(f['score']))
             for f in found if float(f['score']) >= score_thr]
    if not faces:
        raise PhotoInputError(f'{where}: {name} found no face scoring >= '
                              f'{score_thr}')
    check_faces(faces, image_bgr.shape, f'{where} ({name})')
    return faces


def find_faces(image_bgr, landmarks=None, detector='auto', device='cpu',
               score_thr=SCORE_THR, where='image'):
    """The faces of a photo, as ``demo/face_demo.py`` decides: from the
    ``landmarks`` file (faces scoring under ``score_thr`` dropped), else
    from ``detector`` (``'auto'``: :func:`default_detector`), else the
    whole photo as one aligned face (:func:`whole_photo_face`), with a
    warning when the photo does not look like an aligned crop.

    ``'auto'`` finding no face takes the whole photo too when it looks
    aligned (tight crops may hide a face from a detector); a named detector
    finding none raises.

    Raises:
        PhotoInputError: naming ``where`` or the file; see also
            :func:`load_faces`, :func:`detect_faces`.
    """
    if landmarks is not None:
        faces = load_faces(landmarks)
        kept = [f for f in faces if f['score'] >= score_thr]
        if not kept:
            raise PhotoInputError(
                f'{landmarks}: no face scores >= {score_thr} (scores '
                f'{[round(f["score"], 4) for f in faces]}); lower the score '
                'threshold (--score-thr)')
        return kept
    name = default_detector() if detector == 'auto' else detector
    if name is not None:
        try:
            return detect_faces(image_bgr, name, device, score_thr, where)
        except PhotoInputError:
            if detector != 'auto' or _not_aligned(image_bgr.shape):
                raise
            warnings.warn(f'{where}: {name} found no face scoring >= '
                          f'{score_thr}; taking the whole photo as one '
                          "face aligned to FaRL's mean face", stacklevel=2)
            return [whole_photo_face(image_bgr)]
    why = _not_aligned(image_bgr.shape)
    if why:
        warnings.warn(
            f'{where}: no landmarks and no face detector, so the whole '
            f"photo is taken as one face aligned to FaRL's mean face, but "
            f'it {why}: results will be poor. Install the offline detector '
            '(pip install -e ".[detector]") or give the faces with '
            '--landmarks FILE.json', stacklevel=2)
    return [whole_photo_face(image_bgr)]


def _not_aligned(image_shape):
    """Why a photo does not look like an aligned face crop ('' if it
    does)."""
    height, width = image_shape[:2]
    if max(height, width) > ALIGNED_MAX_SIDE:
        return (f'is {width}x{height} px, far above the training crops '
                f'(up to {ALIGNED_MAX_SIDE} px expected)')
    if max(height, width) > ALIGNED_MAX_ASPECT * min(height, width):
        return f'is not square ({width}x{height} px)'
    return ''


def config_of_checkpoint(checkpoint):
    """The config an mmengine Runner saved in ``checkpoint``'s
    ``meta['cfg']``, read as data: nothing in it runs (weights-only load;
    memory-mapped, so the weights, which the model's init loads next, are
    not read here).

    Raises:
        UnsafeConfigError: The saved config is more than plain data.
    """
    import zipfile

    from farl_mm.utils.checkpoint_io import load_checkpoint_file
    from farl_mm.utils.saved_config import read_saved_config
    meta = load_checkpoint_file(
        checkpoint, mmap=zipfile.is_zipfile(checkpoint)).get('meta') or {}
    text = meta.get('cfg')
    if not text:
        raise ValueError(f'{checkpoint}: no meta.cfg (not saved by an '
                         'mmengine Runner?); pass its config')
    return read_saved_config(text, checkpoint)


def in_memory_pipeline(cfg, scope, file_steps, head=()):
    """The config's test pipeline for an image held in memory: ``head``,
    then its steps less ``file_steps`` (those that read files)."""
    init_default_scope(cfg.get('default_scope', scope))
    return Compose([*head, *(s for s in cfg.test_dataloader.dataset.pipeline
                             if s['type'] not in file_steps)])
