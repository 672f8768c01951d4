"""Locate the landmarks of a face in a photo with a trained farl_mm
alignment model (paper §4.1), through mmpose's top-down inference.

The face box is cropped as the config's test pipeline does (the whole
photo when no box is given); the landmarks come back in the photo's own
pixel coordinates.
"""
import cv2
import numpy as np

from .photo_inputs import (check_box, check_whole_photo, naming, photo_name,
                           read_bgr)


def init_face_aligner(config=None, checkpoint=None, device='cpu'):
    """The alignment model of ``config`` with ``checkpoint`` loaded; its
    keypoint meta comes from the checkpoint, else the config's dataset.

    A checkpoint that ``tools/train.py`` wrote carries its config: then
    ``init_face_aligner(checkpoint)`` is enough (the config is read as data).

    Raises:
        TaskMismatchError: ``checkpoint`` or ``config`` is another task's.
        MissingWeightsError: ``checkpoint`` lacks some of the model's
            tensors (its head would stay random).
    """
    from mmpose.apis import init_model

    from farl_mm.utils.checkpoint_task import build_task_model
    model, saved = build_task_model(
        'alignment', config, checkpoint,
        lambda cfg: init_model(cfg, None, device=device))
    meta = ((saved or {}).get('meta') or {}).get('dataset_meta')
    if meta:  # as mmpose's init_model: the checkpoint's first
        model.dataset_meta = meta
    return model


def align_face(model, image, bbox=None, where=None):
    """Landmarks of one face.

    Args:
        model: From :func:`init_face_aligner`.
        image (str | np.ndarray): Path or BGR ``(H, W, 3)`` uint8 array
            (checked as :mod:`farl_mm.apis.photo_inputs` says).
        bbox (array-like, optional): Face box ``(x1, y1, x2, y2)`` in the
            photo; the whole photo when omitted.
        where (str, optional): The photo's name in errors (default: its
            path, or 'image').

    Returns:
        tuple[np.ndarray, np.ndarray]: ``(K, 2)`` landmarks ``(x, y)`` in
        the photo's pixels and their ``(K,)`` heatmap scores.

    Raises:
        PhotoInputError: naming the photo and the face it cannot use.
    """
    points, scores = align_faces(model, image, [bbox], where)
    return points[0], scores[0]


def align_faces(model, image, bboxes, where=None):
    """Landmarks of each face box (None: the whole photo) of one photo, as
    :func:`align_face` gives them: ``(F, K, 2)`` points, ``(F, K)`` scores.
    Every box is checked before any is cropped."""
    from mmpose.apis import inference_topdown
    img = read_bgr(image)
    if len(bboxes) == 0:
        raise ValueError('align_faces needs at least one face')
    faces = [f'{photo_name(image, where)}: faces[{i}]'
             for i in range(len(bboxes))]
    checked = []
    for box, face in zip(bboxes, faces):
        if box is None:
            check_whole_photo(img.shape, face)
            checked.append(None)
        else:
            checked.append(check_box(box, img.shape, face)[None])
    points, scores = [], []
    for box, face in zip(checked, faces):
        with naming(face):
            pred = inference_topdown(model, img, box,
                                     bbox_format='xyxy')[0].pred_instances
        points.append(pred.keypoints[0])
        scores.append(pred.keypoint_scores[0])
    return np.stack(points), np.stack(scores)


def draw_landmarks(image, points, bbox=None, colour=(0, 255, 0)):
    """A copy of ``image`` (BGR) with ``points`` as dots (radius scaled to
    the image) and, if given, the face box."""
    out = image.copy()
    radius = max(1, round(max(image.shape[:2]) / 200))
    if bbox is not None:
        x1, y1, x2, y2 = (int(round(v)) for v in bbox)
        cv2.rectangle(out, (x1, y1), (x2, y2), (255, 128, 0), radius)
    for x, y in np.asarray(points):
        cv2.circle(out, (int(round(x)), int(round(y))), radius, colour, -1,
                   cv2.LINE_AA)
    return out


def align_faces_by_points(model, image, faces_points5):
    """Landmarks of each face from its five points, for models whose test
    pipeline aligns by them (``farl_mm.FaceAlignWarp``; the authors'
    released aligners, configs/farl/released/): ``(F, K, 2)`` points in the
    photo's pixels and ``(F, K)`` heatmap peaks."""
    import torch
    from mmengine.dataset import pseudo_collate

    from .face_inputs import in_memory_pipeline
    img = read_bgr(image)
    pipeline = in_memory_pipeline(model.cfg, 'mmpose', set())
    if not any(t['type'] == 'farl_mm.FaceAlignWarp'
               for t in model.cfg.test_dataloader.dataset.pipeline):
        raise ValueError('the model crops face boxes (its test pipeline has '
                         'no farl_mm.FaceAlignWarp): use align_faces')
    batch = [pipeline(dict(img=img, face_points=np.asarray(
        p, np.float64).reshape(5, 2))) for p in faces_points5]
    with torch.inference_mode():
        samples = model.test_step(pseudo_collate(batch))
    return (np.stack([s.pred_instances.keypoints[0] for s in samples]),
            np.stack([s.pred_instances.keypoint_scores[0] for s in samples]))
