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
when asked for: the core install does not need one.
"""
import json

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


#: name -> (function, pip package). Each gives RetinaFace-ordered points.
DETECTORS = {
    'facer': (_facer, 'pyfacer'),
    'insightface': (_insightface, 'insightface onnxruntime'),
}


def detect_faces(image_bgr, name, device='cpu', score_thr=0.5,
                 where='image'):
    """Faces found by the optional detector ``name`` (see
    :data:`DETECTORS`), in the format of :func:`load_faces`.

    Raises:
        ModuleNotFoundError: naming the pip package when it is missing.
        PhotoInputError: naming ``where`` (the photo) when no face is found
            or one is unusable (:func:`~.photo_inputs.check_faces`).
    """
    if name not in DETECTORS:
        raise ValueError(f'unknown detector {name!r}; one of '
                         f'{sorted(DETECTORS)}')
    detect, package = DETECTORS[name]
    try:
        found = detect(image_bgr, device)
    except ImportError as err:
        raise ModuleNotFoundError(
            f'--detector {name} needs `pip install {package}` ({err}); or '
            'give the faces with --landmarks FILE.json') from None
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
