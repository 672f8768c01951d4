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

from .face_inputs import in_memory_pipeline, read_bgr

#: Pipeline steps that read files the API does not have.
_FILE_STEPS = {'LoadImageFromFile', 'LoadAnnotations',
               'farl_mm.LoadFaceLandmarks'}


def init_face_parser(config, checkpoint=None, device='cpu'):
    """The parsing model of ``config`` with ``checkpoint`` loaded.

    Class names and palette come from the checkpoint's ``dataset_meta``,
    else from the config's dataset. (mmseg's ``init_model`` would guess a
    dataset by the class count: Cityscapes' names for CelebAMask-HQ's 19
    classes.)
    """
    from mmengine.runner import load_checkpoint
    from mmseg.apis import init_model  # mmseg only for parsing users
    from mmseg.registry import DATASETS
    model = init_model(config, None, device=device)
    dataset = DATASETS.get(model.cfg.test_dataloader.dataset.type)
    model.dataset_meta = dict(dataset.METAINFO)
    if checkpoint is not None:
        saved = load_checkpoint(model, checkpoint, map_location='cpu')
        meta = (saved.get('meta') or {}).get('dataset_meta')
        if meta:
            model.dataset_meta = meta
    return model


def parse_face(model, image, points5=None):
    """Label map of one face photo at the photo's resolution.

    Args:
        model: From :func:`init_face_parser`.
        image (str | np.ndarray): Path or BGR ``(H, W, 3)`` uint8 array.
        points5 (array-like, optional): ``(5, 2)`` landmarks in the photo
            (left eye, right eye, nose tip, left and right mouth corners);
            without them the whole photo is taken as the face.

    Returns:
        np.ndarray: ``(H, W)`` uint8 class ids.
    """
    img = read_bgr(image)
    sample = _predict(model, _pipeline(model), img, points5)
    return sample.pred_sem_seg.data[0].cpu().numpy().astype(np.uint8)


def parse_faces(model, image, faces_points5):
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

    Returns:
        tuple[np.ndarray, np.ndarray]: the ``(H, W)`` uint8 labels and the
        ``(H, W)`` index of the face each pixel was taken from.
    """
    img = read_bgr(image)
    if len(faces_points5) == 0:
        raise ValueError('parse_faces needs at least one face')
    labels = np.zeros(img.shape[:2], np.uint8)
    owner = np.zeros(img.shape[:2], np.int64)
    nearest = np.full(img.shape[:2], np.inf)
    pipeline = _pipeline(model)
    ys, xs = np.mgrid[0:img.shape[0], 0:img.shape[1]].astype(np.float64)
    for i, points5 in enumerate(faces_points5):
        # one face at a time: its logits span the whole photo
        sample = _predict(model, pipeline, img, points5)
        radius = _canvas_radius(sample.metainfo['face_warp'], xs, ys)
        closer = radius < nearest
        nearest[closer] = radius[closer]
        owner[closer] = i
        labels[closer] = sample.pred_sem_seg.data[0].cpu().numpy()[closer]
    return labels, owner


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


def _predict(model, pipeline, img, points5):
    """The prediction of one face (None: the whole photo) through the
    model's test ``pipeline``; the sample keeps its ``face_warp`` meta."""
    data = dict(img=img)
    if points5 is not None:
        data['face_points'] = np.asarray(points5, np.float64).reshape(5, 2)
    with torch.no_grad():
        return model.test_step(pseudo_collate([pipeline(data)]))[0]


def colour_overlay(image, label, palette, alpha=0.5):
    """``image`` (BGR) blended with the label colours (``palette`` is RGB,
    as in a dataset's metainfo)."""
    colours = np.asarray(palette, np.uint8)[:, ::-1]  # RGB -> BGR
    return cv2.addWeighted(image, 1 - alpha, colours[label], alpha, 0)
