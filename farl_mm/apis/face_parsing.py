"""Parse a face photo with a trained farl_mm parsing model (paper §4.1).

The photo goes through the config's own test-time geometry (alignment on
its 5 landmarks, or the whole photo as the face when none are given, then
the tanh warp); the model maps its logits back, so the label map has the
photo's own resolution.
"""
import cv2
import mmcv
import numpy as np
import torch
from mmengine.dataset import Compose, pseudo_collate
from mmengine.registry import init_default_scope

#: Pipeline steps that read files the API does not have.
_FILE_STEPS = {'LoadImageFromFile', 'LoadAnnotations',
               'farl_mm.LoadFaceLandmarks'}


def init_face_parser(config, checkpoint=None, device='cpu'):
    """The parsing model of ``config`` with ``checkpoint`` loaded."""
    from mmseg.apis import init_model  # mmseg only for parsing users
    return init_model(config, checkpoint, device=device)


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
    img = mmcv.imread(image) if isinstance(image, str) else image
    if img is None or img.ndim != 3:
        raise ValueError(f'cannot read a colour image from {image!r}')
    cfg = model.cfg
    init_default_scope(cfg.get('default_scope', 'mmseg'))
    steps = [s for s in cfg.test_dataloader.dataset.pipeline
             if s['type'] not in _FILE_STEPS]
    pipeline = Compose([dict(type='LoadImageFromNDArray'), *steps])
    data = dict(img=img)
    if points5 is not None:
        data['face_points'] = np.asarray(points5, np.float64).reshape(5, 2)
    with torch.no_grad():
        sample = model.test_step(pseudo_collate([pipeline(data)]))[0]
    return sample.pred_sem_seg.data[0].cpu().numpy().astype(np.uint8)


def colour_overlay(image, label, palette, alpha=0.5):
    """``image`` (BGR) blended with the label colours (``palette`` is RGB,
    as in a dataset's metainfo)."""
    colours = np.asarray(palette, np.uint8)[:, ::-1]  # RGB -> BGR
    return cv2.addWeighted(image, 1 - alpha, colours[label], alpha, 0)
