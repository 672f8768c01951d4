"""Parsing, alignment and attributes of every face in one photo, with the
pictures and the numbers written side by side (``demo/face_demo.py``)."""
import json
import os
import os.path as osp

import cv2
import numpy as np

from .face_alignment import align_faces, draw_landmarks, init_face_aligner
from .face_attributes import (attribute_names, classify_faces,
                              draw_attributes, init_face_classifier)
from .face_inputs import config_of_checkpoint
from .face_parsing import colour_overlay, init_face_parser, parse_faces
from .photo_inputs import PhotoInputError, check_faces

TASKS = ('parsing', 'alignment', 'attributes')
_INIT = dict(parsing=init_face_parser, alignment=init_face_aligner,
             attributes=init_face_classifier)


def write_image(path, img):
    """``cv2.imwrite`` that makes the folder first and says when it fails."""
    os.makedirs(osp.dirname(osp.abspath(path)), exist_ok=True)
    if not cv2.imwrite(path, img):
        raise OSError(f'could not write {path}')
    return path


def init_task_model(task, checkpoint, config=None, device='cpu'):
    """The model of one task; without ``config`` the one the training run
    saved in the checkpoint (``meta.cfg``)."""
    if task not in _INIT:
        raise ValueError(f'unknown task {task!r}; one of {TASKS}')
    if config is None:
        config = config_of_checkpoint(checkpoint)
    return _INIT[task](config, checkpoint, device)


def run_face_tasks(img, faces, models, out_prefix, where='image'):
    """Run ``models`` (task -> model) on the ``faces`` of ``img`` and write
    ``{out_prefix}_{parsing,parsing_overlay,landmarks,attributes}.png`` at
    the photo's resolution and ``{out_prefix}.json``, once every task has
    run: a face that fails leaves the files of an earlier run as they were.

    Args:
        img (np.ndarray): BGR photo.
        faces (list[dict]): ``landmarks`` (5, 2), ``box`` (4,) or None,
            ``score`` (see :mod:`farl_mm.apis.face_inputs`); a face with
            ``whole_photo`` is the photo itself, taken as aligned.
        models (dict): Task name -> model (:func:`init_task_model`).
        out_prefix (str): Path prefix of the outputs.
        where (str): The photo's name in errors (its path).

    Returns:
        dict: What the JSON holds: ``image_size`` ``[H, W]``, ``files`` and
        per face ``box``, ``landmarks5``, ``score`` and each task's numbers.

    Raises:
        PhotoInputError: naming the photo and the face it cannot use.
    """
    check_faces(faces, img.shape, where)
    height, width = img.shape[:2]
    records = [dict(box=None if f['box'] is None else
                    np.round(f['box'], 2).tolist(),
                    landmarks5=np.round(f['landmarks'], 2).tolist(),
                    score=round(float(f['score']), 4),
                    whole_photo=bool(f.get('whole_photo'))) for f in faces]
    images = {}  # name -> (path, image)
    for task, model in models.items():
        if task not in TASKS:
            raise ValueError(f'unknown task {task!r}; one of {TASKS}')
        images.update(_RUN[task](img, faces, model, records, out_prefix,
                                 where))
    files = {name: write_image(path, image)
             for name, (path, image) in images.items()}
    result = dict(image_size=[height, width], files=files, faces=records)
    with open(f'{out_prefix}.json', 'w') as f:
        json.dump(result, f, indent=1)
    files['json'] = f'{out_prefix}.json'
    return result


def _parsing(img, faces, model, records, prefix, where):
    points = [None if f.get('whole_photo') else f['landmarks']
              for f in faces]
    labels, owner = parse_faces(model, img, points, where)
    classes = model.dataset_meta['classes']
    for i, record in enumerate(records):
        counts = np.bincount(labels[owner == i], minlength=len(classes))
        record['parsing_areas'] = {
            name: int(n) for name, n in zip(classes, counts) if n}
    overlay = colour_overlay(img, labels, model.dataset_meta['palette'])
    return dict(parsing=(f'{prefix}_parsing.png', labels),
                parsing_overlay=(f'{prefix}_parsing_overlay.png', overlay))


def _alignment(img, faces, model, records, prefix, where):
    for i, face in enumerate(faces):
        if face['box'] is None:
            raise PhotoInputError(
                f'{where}: faces[{i}] has no "box": the alignment model '
                'crops the face box (add it to the landmarks JSON)')
    drawn = img
    all_points, all_scores = align_faces(model, img,
                                         [f['box'] for f in faces], where)
    for face, record, points, scores in zip(faces, records, all_points,
                                            all_scores):
        record['landmarks'] = np.round(points, 2).tolist()
        record['landmark_scores'] = np.round(scores, 4).tolist()
        drawn = draw_landmarks(drawn, points, face['box'])
    return dict(landmarks=(f'{prefix}_landmarks.png', drawn))


def _attributes(img, faces, model, records, prefix, where):
    names = attribute_names(model)
    probs = classify_faces(model, img, [f['landmarks'] for f in faces],
                           where)
    anchors = []
    for face, record, p in zip(faces, records, probs):
        record['attributes'] = {n: round(float(v), 4)
                                for n, v in zip(names, p)}
        if face['box'] is not None:
            anchors.append((face['box'][2] + 2, face['box'][1]))
        else:  # beside the right eye / mouth corner
            anchors.append(face['landmarks'].max(0) * (1, 0) +
                           face['landmarks'].min(0) * (0, 1))
    drawn = draw_attributes(img, anchors, names, probs)
    return dict(attributes=(f'{prefix}_attributes.png', drawn))


_RUN = dict(parsing=_parsing, alignment=_alignment, attributes=_attributes)
