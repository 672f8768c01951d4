"""What photo inference accepts, checked before any model runs.

A bad photo or face otherwise gives silent garbage (a face outside the
photo is parsed from the black border, a float image in [0, 1] reads as
black) or a raw library error. Each refusal is a :class:`PhotoInputError`
naming the photo, the face (``faces[i]``) and the value.

Files decode as training decodes them (:func:`farl_mm.datasets.
laion_face_decode.read_image`: gray, palette, 16-bit and alpha images
become uint8 BGR) once the size in their header is within ``max_pixels``
(training's :data:`~farl_mm.datasets.laion_face_decode.MAX_PIXELS` by
default; PIL's own decompression-bomb limit, about 179 Mpx, applies too),
so a small file claiming a huge image allocates nothing. Arrays must be
uint8; gray ``(H, W)`` or ``(H, W, 1)`` is converted to BGR, 4 channels
are refused (BGRA or RGBA, and what a transparent pixel shows, only the
caller knows).

Faces: landmarks ``(5, 2)`` and boxes ``(x1, y1, x2, y2)`` must be finite,
boxes of positive width and height; both must overlap the photo and stay
within about a photo size of it, and landmarks must be alignable
(:func:`farl_mm.geometry.check_face_points`).
"""
import contextlib
import os

import cv2
import numpy as np

from farl_mm.datasets.checks import DatasetProblems
from farl_mm.datasets.laion_face_decode import (MAX_PIXELS, BadSample,
                                                read_image)
from farl_mm.geometry import check_face_points, mean_face_points


class PhotoInputError(ValueError):
    """A photo or face that inference cannot use; the message names it."""


def photo_name(image, where=None):
    """How errors name ``image``: ``where``, else its path, else 'image'."""
    if where is not None:
        return str(where)
    if isinstance(image, (str, os.PathLike)):
        return os.fspath(image)
    return 'image'


def read_photo(path, max_pixels=MAX_PIXELS):
    """The photo file ``path`` as uint8 BGR ``(H, W, 3)``; refused from its
    header, before decoding, when it has more than ``max_pixels``."""
    path = os.fspath(path)
    with open(path, 'rb') as f:
        data = f.read()
    if not data:
        raise PhotoInputError(f'{path}: empty file (0 bytes), not an image')
    try:
        return read_image(data, path, min_size=1, max_pixels=max_pixels)
    except BadSample as err:
        hint = ('; photos are refused before decoding above max_pixels: '
                'raise it (--max-pixels, max_pixels=) if the photo is real'
                if err.reason == 'image_too_large' else '')
        raise PhotoInputError(f'{err}{hint}') from None


def read_bgr(image, max_pixels=MAX_PIXELS):
    """``image``, a path (:func:`read_photo`) or an array (:func:`as_bgr`),
    as uint8 BGR ``(H, W, 3)``. API callers with photos over the limit
    read them first: ``parse_face(model, read_bgr(path, max_pixels=N),
    where=path)``."""
    if isinstance(image, (str, os.PathLike)):
        return read_photo(image, max_pixels)
    return as_bgr(image, 'image')


def as_bgr(image, where):
    """The uint8 array ``image`` as BGR ``(H, W, 3)`` (gray converted)."""
    if not isinstance(image, np.ndarray):
        raise PhotoInputError(f'{where}: expected a path or a numpy array, '
                              f'got {type(image).__name__}')
    if image.dtype != np.uint8:
        raise PhotoInputError(
            f'{where}: a {image.dtype} array; photo inference takes uint8 '
            'BGR pixels in [0, 255] (from floats in [0, 1]: '
            '(img * 255).round().astype(np.uint8))')
    gray = image.ndim == 2 or (image.ndim == 3 and image.shape[2] == 1)
    if not gray and (image.ndim != 3 or image.shape[2] != 3):
        alpha = image.ndim == 3 and image.shape[2] == 4
        raise PhotoInputError(
            f'{where}: an array of shape {image.shape}; expected (H, W, 3) '
            'BGR or (H, W) gray' + (
                ' (drop the alpha channel: img[..., :3] for BGRA, '
                'cv2.cvtColor(img, cv2.COLOR_RGBA2BGR) for RGBA)'
                if alpha else ''))
    if image.shape[0] == 0 or image.shape[1] == 0:
        raise PhotoInputError(f'{where}: an empty {image.shape[0]}x'
                              f'{image.shape[1]} image')
    return cv2.cvtColor(image, cv2.COLOR_GRAY2BGR) if gray else image


def _values(array):
    return '[' + ', '.join(f'{v:g}' for v in np.ravel(array)) + ']'


def _span(values):
    return f'{values.min():g}..{values.max():g}'


def check_landmarks(points5, image_shape, where):
    """``points5`` as a float64 ``(5, 2)`` array, refused when not finite,
    outside the photo or not alignable (the geometry's own check)."""
    points = np.asarray(points5, np.float64)
    if points.size != 10:
        raise PhotoInputError(f'{where}: landmarks of shape {points.shape}; '
                              'expected 5 [x, y] points')
    points = points.reshape(5, 2)
    for k, point in enumerate(points):
        if not np.isfinite(point).all():
            raise PhotoInputError(f'{where}: landmark {k} {_values(point)} '
                                  'is not finite')
    try:
        return check_face_points(points, image_shape[1::-1], where)
    except ValueError as err:
        raise PhotoInputError(f'{err} (landmarks x {_span(points[:, 0])}, '
                              f'y {_span(points[:, 1])})') from None


def check_box(box, image_shape, where):
    """``box`` as a float64 ``(x1, y1, x2, y2)``, refused when not finite,
    empty, inverted or outside the photo."""
    box = np.asarray(box, np.float64)
    if box.size != 4:
        raise PhotoInputError(f'{where}: box {_values(box)}; expected '
                              '[x1, y1, x2, y2]')
    box = box.reshape(4)
    if not np.isfinite(box).all():
        raise PhotoInputError(f'{where}: box {_values(box)} is not finite')
    width, height = box[2:] - box[:2]
    if width <= 0 or height <= 0:
        raise PhotoInputError(
            f'{where}: box {_values(box)} is {width:g} x {height:g} px; '
            'expected x1 < x2 and y1 < y2 ([x1, y1, x2, y2] in pixels)')
    # pixel centres at integers: the photo covers -0.5..size-0.5
    photo_h, photo_w = image_shape[:2]
    size = np.array([photo_w, photo_h], np.float64)
    if (box[2:] < -0.5).any() or (box[:2] > size - 0.5).any():
        raise PhotoInputError(f'{where}: box {_values(box)}: entirely '
                              f'outside the {photo_w}x{photo_h} photo')
    if (box[:2] < -0.5 - size).any() or (box[2:] > 2 * size - 0.5).any():
        raise PhotoInputError(f'{where}: box {_values(box)}: more than a '
                              f'photo size outside the {photo_w}x{photo_h} '
                              'photo')
    return box


def check_whole_photo(image_shape, where):
    """The photo is large enough to be taken as one aligned face."""
    height, width = image_shape[:2]
    try:
        check_face_points(mean_face_points((width, height)))
    except ValueError:
        raise PhotoInputError(f'{where} (the whole photo): a {width}x{height}'
                              ' photo is too small to be a face') from None


def check_faces(faces, image_shape, name):
    """Each face dict (``landmarks``, ``box`` or None, ``whole_photo``) of
    the photo ``name``, as :mod:`farl_mm.apis.face_inputs` gives them."""
    for i, face in enumerate(faces):
        where = f'{name}: faces[{i}]'
        if face.get('whole_photo'):
            check_whole_photo(image_shape, where)
            continue
        check_landmarks(face['landmarks'], image_shape, where)
        if face.get('box') is not None:
            check_box(face['box'], image_shape, where)


@contextlib.contextmanager
def naming(where):
    """A ``ValueError`` of a model's test pipeline (an alignment the
    geometry refuses) re-raised as a :class:`PhotoInputError` naming
    ``where``, the photo and the face."""
    try:
        yield
    except PhotoInputError:
        raise
    except DatasetProblems as err:  # its advice is for datasets
        raise PhotoInputError(f'{where}: ' + '; '.join(
            p.message for p in err.problems)) from err
    except ValueError as err:  # named already when img_path was ``where``
        message = str(err)
        raise PhotoInputError(message if message.startswith(where) else
                              f'{where}: {message}') from err
