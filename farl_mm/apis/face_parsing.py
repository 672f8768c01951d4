"""Parse a face photo with a trained farl_mm parsing model (paper §4.1).

The photo goes through the config's own test-time geometry (alignment on
its 5 landmarks, or the whole photo as the face when none are given, then
the tanh warp); the model maps its logits back, so the label map has the
photo's own resolution.
"""
import cv2
import numpy as np
import torch
from mmengine.dataset import pseudo_collate

from .face_inputs import in_memory_pipeline
from .photo_inputs import (check_landmarks, check_whole_photo, naming,
                           photo_name, read_bgr)

#: Pipeline steps that read files the API does not have.
_FILE_STEPS = {'LoadImageFromFile', 'LoadAnnotations',
               'farl_mm.LoadFaceLandmarks'}


def init_face_parser(config=None, checkpoint=None, device='cpu'):
    """The parsing model of ``config`` with ``checkpoint`` loaded.

    Class names and palette come from the checkpoint's ``dataset_meta``,
    else from the config's dataset. (mmseg's ``init_model`` would guess a
    dataset by the class count: Cityscapes' names for CelebAMask-HQ's 19
    classes.)

    A checkpoint that ``tools/train.py`` wrote carries its config: then
    ``init_face_parser(checkpoint)`` is enough (the config is read as data).

    Raises:
        TaskMismatchError: ``checkpoint`` or ``config`` is another task's.
        MissingWeightsError: ``checkpoint`` lacks some of the model's
            tensors (its head would stay random).
    """
    from mmseg.apis import init_model  # mmseg only for parsing users
    from mmseg.registry import DATASETS

    from farl_mm.utils.checkpoint_task import build_task_model
    model, saved = build_task_model(
        'parsing', config, checkpoint,
        lambda cfg: init_model(cfg, None, device=device))
    dataset = DATASETS.get(model.cfg.test_dataloader.dataset.type)
    model.dataset_meta = dict(dataset.METAINFO)
    meta = ((saved or {}).get('meta') or {}).get('dataset_meta')
    if meta:
        model.dataset_meta = meta
    return model


def parse_face(model, image, points5=None, where=None):
    """Label map of one face photo at the photo's resolution.

    Args:
        model: From :func:`init_face_parser`.
        image (str | np.ndarray): Path or BGR ``(H, W, 3)`` uint8 array
            (checked as :mod:`farl_mm.apis.photo_inputs` says).
        points5 (array-like, optional): ``(5, 2)`` landmarks in the photo
            (left eye, right eye, nose tip, left and right mouth corners);
            without them the whole photo is taken as the face.
        where (str, optional): The photo's name in errors (default: its
            path, or 'image').

    Returns:
        np.ndarray: ``(H, W)`` uint8 class ids.

    Raises:
        PhotoInputError: naming the photo and the face it cannot use.
    """
    img = read_bgr(image)
    name = photo_name(image, where)
    points = _checked_points(img, [points5], name)[0]
    sample = _predict(model, _pipeline(model), img, points,
                      f'{name}: faces[0]')
    return sample.pred_sem_seg.data[0].cpu().numpy().astype(np.uint8)


def parse_faces(model, image, faces_points5, where=None):
    """One label map of a photo with several faces, at its resolution.

    Each face is parsed on its own aligned, warped canvas and mapped back;
    a pixel takes the labels of the face it is nearest to, measured on
    each face's aligned canvas before the tanh warp (``max(|u|, |v|)`` with
    the canvas spanning [-1, 1]): a face's own canvas is where its model
    sees it undistorted, while the warp squeezes the rest of the photo,
    other faces too, into that canvas's rim.

    Args:
        model: From :func:`init_face_parser`.
        image (str | np.ndarray): Path or BGR ``(H, W, 3)`` uint8 array.
        faces_points5 (list): ``(5, 2)`` landmarks of each face (None: the
            whole photo).
        where (str, optional): As in :func:`parse_face`.

    Returns:
        tuple[np.ndarray, np.ndarray]: the ``(H, W)`` uint8 labels and the
        ``(H, W)`` index of the face each pixel was taken from.
    """
    img = read_bgr(image)
    if len(faces_points5) == 0:
        raise ValueError('parse_faces needs at least one face')
    name = photo_name(image, where)
    faces_points5 = _checked_points(img, faces_points5, name)
    labels = np.zeros(img.shape[:2], np.uint8)
    owner = np.zeros(img.shape[:2], np.int64)
    nearest = np.full(img.shape[:2], np.inf)
    ys, xs = np.mgrid[0:img.shape[0], 0:img.shape[1]].astype(np.float64)
    for i, (face_labels, face_warp) in enumerate(
            _predict_faces(model, img, faces_points5, name)):
        radius = _canvas_radius(face_warp, xs, ys)
        closer = radius < nearest
        nearest[closer] = radius[closer]
        owner[closer] = i
        labels[closer] = face_labels[closer]
    return labels, owner


def _predict_faces(model, img, faces_points5, name, batch=4):
    """Each face's ``(H, W)`` labels and ``face_warp``, in order. The
    network sees up to ``batch`` faces at once (as facer batches them);
    the inverse warp, whose logits span the whole photo, one at a time."""
    pipeline = _pipeline(model)
    out = []
    for start in range(0, len(faces_points5), batch):
        chunk = []
        for i in range(start, min(start + batch, len(faces_points5))):
            data = dict(img=img)
            if faces_points5[i] is not None:
                data['face_points'] = faces_points5[i]
            with naming(f'{name}: faces[{i}]'):
                chunk.append(pipeline(data))
        with torch.inference_mode():
            data = model.data_preprocessor(pseudo_collate(chunk), False)
            samples = data['data_samples']
            logits = model.inference(data['inputs'],
                                     [s.metainfo for s in samples])
            for j, sample in enumerate(samples):
                pred = model.postprocess_result(logits[j:j + 1], [sample])[0]
                out.append((pred.pred_sem_seg.data[0].cpu().numpy(),
                            pred.metainfo['face_warp']))
                del pred.seg_logits  # the photo-sized logits of one face
    return out


def _canvas_radius(face_warp, xs, ys):
    """``max(|u|, |v|)`` of the photo pixels ``(xs, ys)`` on a face's
    aligned canvas (normalised to [-1, 1], before the tanh warp)."""
    matrix = np.asarray(face_warp['matrix'], np.float64)
    size = face_warp['size']
    width, height = (size, size) if np.isscalar(size) else size
    u = (matrix[0, 0] * xs + matrix[0, 1] * ys + matrix[0, 2]) \
        / ((width - 1) / 2) - 1
    v = (matrix[1, 0] * xs + matrix[1, 1] * ys + matrix[1, 2]) \
        / ((height - 1) / 2) - 1
    return np.maximum(np.abs(u), np.abs(v))


def _pipeline(model):
    return in_memory_pipeline(model.cfg, 'mmseg', _FILE_STEPS,
                              head=[dict(type='LoadImageFromNDArray')])


def _checked_points(img, faces_points5, name):
    """Each face's ``(5, 2)`` points, checked against the photo ``name``;
    None (the whole photo) stays None once the photo is large enough."""
    checked = []
    for i, points5 in enumerate(faces_points5):
        where = f'{name}: faces[{i}]'
        if points5 is None:
            check_whole_photo(img.shape, where)
            checked.append(None)
        else:
            checked.append(check_landmarks(points5, img.shape, where))
    return checked


def _predict(model, pipeline, img, points5, where):
    """The prediction of one face (None: the whole photo) through the
    model's test ``pipeline``; the sample keeps its ``face_warp`` meta. A
    face the pipeline cannot align is named by ``where``."""
    data = dict(img=img)
    if points5 is not None:
        data['face_points'] = points5
    with naming(where):
        data = pipeline(data)
    with torch.no_grad():
        return model.test_step(pseudo_collate([data]))[0]


def colour_overlay(image, label, palette, alpha=0.5):
    """``image`` (BGR) blended with the label colours (``palette`` is RGB,
    as in a dataset's metainfo)."""
    colours = np.asarray(palette, np.uint8)[:, ::-1]  # RGB -> BGR
    return cv2.addWeighted(image, 1 - alpha, colours[label], alpha, 0)
