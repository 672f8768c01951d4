"""Face attributes of the faces in a photo with a trained farl_mm attribute
model (paper §4.1): each face is aligned to FaRL's mean face by its five
landmarks, as the config's test pipeline does, and scored."""
import cv2
import numpy as np
import torch
from mmengine.dataset import pseudo_collate

from .face_inputs import in_memory_pipeline
from .photo_inputs import check_landmarks, naming, photo_name, read_bgr

#: Pipeline steps that read files the API does not have.
_FILE_STEPS = {'LoadImageFromFile'}


def init_face_classifier(config=None, checkpoint=None, device='cpu'):
    """The attribute model of ``config`` with ``checkpoint`` loaded; its
    attribute names come from the checkpoint, else the config's dataset.

    A checkpoint that ``tools/train.py`` wrote carries its config: then
    ``init_face_classifier(checkpoint)`` is enough (its config is read as
    data).

    Raises:
        TaskMismatchError: ``checkpoint`` or ``config`` is another task's.
        MissingWeightsError: ``checkpoint`` lacks some of the model's
            tensors (its head would stay random).
    """
    from mmpretrain.apis import get_model

    from farl_mm.utils.checkpoint_task import build_task_model
    model, saved = build_task_model(
        'attributes', config, checkpoint,
        lambda cfg: get_model(cfg, False, device=device))
    meta = (saved or {}).get('meta') or {}
    if meta.get('dataset_meta'):  # as mmpretrain's get_model
        model._dataset_meta = meta['dataset_meta']
    elif meta.get('CLASSES'):
        model._dataset_meta = dict(classes=meta['CLASSES'])
    return model


def attribute_names(model):
    """The model's attribute (class) names."""
    names = (getattr(model, '_dataset_meta', None) or {}).get('classes')
    if not names:
        raise ValueError('the attribute model has no class names (neither '
                         'its checkpoint nor its config dataset gave them)')
    return list(names)


def classify_faces(model, image, faces_points5, where=None):
    """Attribute probabilities of each face.

    Args:
        model: From :func:`init_face_classifier` (a multi-label head:
            sigmoid probabilities, e.g. CelebA's 40 attributes).
        image (str | np.ndarray): Path or BGR ``(H, W, 3)`` uint8 array
            (checked as :mod:`farl_mm.apis.photo_inputs` says).
        faces_points5 (list): ``(5, 2)`` landmarks of each face (left eye,
            right eye, nose tip, left and right mouth corners).
        where (str, optional): The photo's name in errors (default: its
            path, or 'image').

    Returns:
        np.ndarray: ``(F, A)`` float32 probabilities, in the order of
        :func:`attribute_names`.

    Raises:
        PhotoInputError: naming the photo and the face it cannot use.
    """
    img = read_bgr(image)
    faces = [f'{photo_name(image, where)}: faces[{i}]'
             for i in range(len(faces_points5))]
    points = [check_landmarks(p, img.shape, face)
              for p, face in zip(faces_points5, faces)]
    pipeline = in_memory_pipeline(model._config, 'mmpretrain', _FILE_STEPS)
    batch = []
    for face, points5 in zip(faces, points):
        with naming(face):
            batch.append(pipeline(dict(
                img=img, img_shape=img.shape[:2], ori_shape=img.shape[:2],
                img_path=face, face_points=points5)))
    with torch.no_grad():
        samples = model.test_step(pseudo_collate(batch))
    if 'pred_score' not in samples[0]:
        raise ValueError(f'{type(model.head).__name__} gives no pred_score; '
                         'only multi-label attribute heads are supported')
    return np.stack([s.pred_score.cpu().numpy() for s in samples])


def draw_attributes(image, anchors, names, probs, top=5, thr=0.5):
    """A copy of ``image`` with, at each face's ``anchor`` (x, y), its
    ``top`` most likely attributes as bars (green at/above ``thr``), moved
    inside the image where it would leave it."""
    out = image.copy()
    height, width = image.shape[:2]
    unit = max(10, round(max(height, width) / 60))
    font = unit / 30
    for (x, y), p in zip(anchors, probs):
        shown = np.argsort(-p)[:top]
        text = max(cv2.getTextSize(f'{names[k]} 0.00',
                                   cv2.FONT_HERSHEY_SIMPLEX, font, 1)[0][0]
                   for k in shown)
        x = int(np.clip(round(x), 0, max(0, width - 4 * unit - 3 - text)))
        y = int(np.clip(round(y), 0, max(0, height - top * (unit + 2))))
        for row, k in enumerate(shown):
            top_y = y + row * (unit + 2)
            colour = (0, 200, 0) if p[k] >= thr else (0, 0, 220)
            cv2.rectangle(out, (x, top_y), (x + 4 * unit, top_y + unit),
                          (40, 40, 40), -1)
            cv2.rectangle(out, (x, top_y),
                          (x + int(round(4 * unit * p[k])), top_y + unit),
                          colour, -1)
            cv2.putText(out, f'{names[k]} {p[k]:.2f}',
                        (x + 4 * unit + 3, top_y + unit - 2),
                        cv2.FONT_HERSHEY_SIMPLEX, font, (255, 255, 255), 1,
                        cv2.LINE_AA)
    return out
