"""Decode one LAION-Face tar sample, or say by which reason it is unusable.

Web-scraped shards hold every kind of bad sample; the stream must skip them
and count them (:class:`~farl_mm.datasets.LAIONFaceDataset`), so each
problem raises :class:`BadSample` with a short ``reason`` from
:data:`SAMPLE_REASONS`. Unusual but valid images are not bad: grayscale,
palette, CMYK, 16-bit and alpha images all decode to uint8 BGR (OpenCV's
``IMREAD_COLOR``: gray -> 3 channels, CMYK -> BGR, 16 -> 8 bit, alpha
dropped). The image size is read from the header first (PIL decodes
nothing in ``Image.open``), so a decompression bomb is refused before
OpenCV would allocate it.
"""
import io
import json
import warnings

import cv2
import numpy as np
from PIL import Image

from .laion_face_format import IMAGE_EXTS, parse_faces

# why a sample was skipped, in the order of the checks
SAMPLE_REASONS = (
    'missing_image', 'missing_caption', 'missing_json', 'not_an_image',
    'image_too_large', 'image_too_small', 'image_corrupt', 'caption_not_utf8',
    'caption_empty', 'json_malformed')
# faces removed from a sample that is kept
FACE_REASONS = ('degenerate_face', )
#: Larger images are refused from their header, before decoding (training's
#: and photo inference's default).
MAX_PIXELS = 8192 * 8192


class BadSample(ValueError):
    """A sample that cannot be used; ``reason`` is one of the counters."""

    def __init__(self, reason, message):
        super().__init__(message)
        self.reason = reason


def read_image(data, where, min_size=16, max_pixels=MAX_PIXELS):
    """Bytes of any PIL-identifiable image -> uint8 BGR (H, W, 3).

    Raises:
        BadSample: ``not_an_image``, ``image_too_large`` (more than
            ``max_pixels``; PIL's own bomb limit, ``2 *
            Image.MAX_IMAGE_PIXELS``, applies too), ``image_too_small`` (a
            side under ``min_size``) or ``image_corrupt`` (truncated).
    """
    read_image_size(data, where, min_size, max_pixels)
    img = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)
    if img is None:
        raise BadSample('image_corrupt',
                        f'{where}: truncated or corrupt image data')
    return img


def read_image_size(data, where, min_size=16, max_pixels=MAX_PIXELS):
    """``(width, height)`` from the header, refused as :func:`read_image`
    does but for ``image_corrupt`` (nothing is decoded)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter('ignore', Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as header:
                width, height = header.size
    except Image.DecompressionBombError as err:
        raise BadSample('image_too_large', f'{where}: {err}') from None
    except (OSError, ValueError, SyntaxError) as err:  # PIL's parse errors
        raise BadSample('not_an_image',
                        f'{where}: not an image ({err})') from None
    if width * height > max_pixels:
        raise BadSample('image_too_large',
                        f'{where}: {width}x{height} px exceeds max_pixels='
                        f'{max_pixels}')
    if min(width, height) < min_size:
        raise BadSample('image_too_small', f'{where}: {width}x{height} px, '
                        f'a side under min_size={min_size}')
    return width, height


def read_caption(data, where):
    try:
        text = data.decode('utf-8').strip()
    except UnicodeDecodeError as err:
        raise BadSample('caption_not_utf8', f'{where}: {err}') from None
    if not text:
        raise BadSample('caption_empty', f'{where}: empty caption')
    return text


def read_faces(data, where):
    """Detections as float32 arrays, and how many were degenerate.

    A face whose five landmarks fit in 1 px cannot be aligned
    (:func:`farl_mm.geometry.estimate_similarity` refuses it): it is
    removed, the sample is kept. Stricter rules (``check_dataset.py``'s
    2-px spread) would also drop the small background faces of web
    photos, which are never chosen (their scores are low) but count.
    """
    try:
        record = json.loads(data)
    except ValueError as err:  # JSONDecodeError and UnicodeError included
        raise BadSample('json_malformed',
                        f'{where}: invalid JSON ({err})') from None
    try:
        faces = parse_faces(record, where)
    except ValueError as err:  # the message names the file and field
        raise BadSample('json_malformed', str(err)) from None
    kept = [dict(box=np.asarray(f['box'], np.float32),
                 landmarks=np.asarray(f['landmarks'], np.float32),
                 score=f['score']) for f in faces
            if np.ptp(np.asarray(f['landmarks']), axis=0).max() >= 1.0]
    return kept, len(faces) - len(kept)


def decode_sample(raw, min_size=16, max_pixels=MAX_PIXELS,
                  decode_image=True):
    """A tar sample (``{'__key__', 'jpg': bytes, ...}``) -> results.

    ``decode_image=False`` (a quick check) reads the image's header only:
    ``img`` is None, the shapes are the header's.

    Returns:
        tuple[dict, int]: The results dict (see :class:`~farl_mm.datasets.
        LAIONFaceDataset`) and the number of degenerate faces removed.

    Raises:
        BadSample: Naming the shard, the key and the member.
    """
    key, url = raw['__key__'], raw.get('__url__', '?')
    where = f'{url}#{key}'
    ext = next((e for e in IMAGE_EXTS if e in raw), None)
    members = sorted(k for k in raw if k[0] != '_')
    for reason, missing in (('missing_image', ext is None),
                            ('missing_caption', 'txt' not in raw),
                            ('missing_json', 'json' not in raw)):
        if missing:
            raise BadSample(reason, f'{where}: a sample needs an image '
                            f'({"/".join(IMAGE_EXTS)}), txt and json; got '
                            f'{members}')
    if decode_image:
        img = read_image(raw[ext], f'{where}.{ext}', min_size, max_pixels)
        shape = img.shape[:2]
    else:
        img, (w, h) = None, read_image_size(raw[ext], f'{where}.{ext}',
                                            min_size, max_pixels)
        shape = (h, w)
    text = read_caption(raw['txt'], f'{where}.txt')
    faces, degenerate = read_faces(raw['json'], f'{where}.json')
    return dict(img=img, img_shape=shape, ori_shape=shape, text=text,
                faces=faces, sample_idx=key, url=url,
                img_path=f'{where}.{ext}'), degenerate
