"""Write LAION-Face-style webdataset shards: image + caption + detections.

LAION-Face (FaRL's pretraining set) is LAION-400M images fetched as
webdataset tar shards, each with a caption and the RetinaFace detections the
authors publish. One sample of a shard is three members sharing a key::

    000000042.jpg    the image bytes, as downloaded (jpg / png / webp)
    000000042.txt    the caption, UTF-8
    000000042.json   {"faces": [{"box": [x1, y1, x2, y2],
                                 "landmarks": [[x, y], ...5],
                                 "score": 0.99}, ...], ...}

Landmark order is RetinaFace's (image-left eye, image-right eye, nose tip,
image-left and image-right mouth corner), the order of
:data:`farl_mm.geometry.MEAN_FACE_512`. Every output folder also gets
``sizes.json`` (shard file name -> sample count, the file open_clip reads),
from which :class:`~farl_mm.datasets.LAIONFaceDataset` knows its length.
"""
import csv
import json
import os
import os.path as osp

import cv2
import numpy as np
from webdataset import TarWriter

from .synthetic import SyntheticFaceGenerator

SIZES_FILE = 'sizes.json'
IMAGE_EXTS = ('jpg', 'jpeg', 'png', 'webp')


def parse_faces(record, where):
    """Normalise detections to ``[{'box', 'landmarks', 'score'}]`` lists.

    Accepts ``{"faces": [...]}``, a bare list of faces, and each face as a
    dict (``box``, ``landmarks``, ``score``) or as RetinaFace's raw row of
    15 numbers ``x1, y1, x2, y2, score, lx0, ly0, ..., lx4, ly4``.

    Args:
        record (dict | list): Parsed JSON.
        where (str): File (and key) named in errors.

    Returns:
        list[dict]: Plain-float faces, ready for JSON.
    """
    faces = record.get('faces', []) if isinstance(record, dict) else record
    if not isinstance(faces, list):
        raise ValueError(f'{where}: "faces" must be a list, got {faces!r:.80}')
    out = []
    for i, face in enumerate(faces):
        field = f'{where}: faces[{i}]'
        if isinstance(face, (list, tuple)):
            if len(face) != 15:
                raise ValueError(f'{field}: a RetinaFace row has 15 numbers '
                                 f'(box, score, 5 landmarks), got {len(face)}')
            face = dict(box=face[:4], score=face[4],
                        landmarks=np.reshape(face[5:], (5, 2)))
        try:
            box = np.asarray(face['box'], dtype=np.float64)
            pts = np.asarray(face['landmarks'], dtype=np.float64)
            score = float(face['score'])
        except (KeyError, TypeError, ValueError) as err:
            raise ValueError(f'{field}: needs numeric "box", "landmarks" and '
                             f'"score" ({err!r})') from None
        if box.shape != (4, ):
            raise ValueError(f'{field}.box: expected [x1, y1, x2, y2], got '
                             f'shape {box.shape}')
        if pts.shape != (5, 2):
            raise ValueError(f'{field}.landmarks: expected 5 [x, y] points, '
                             f'got shape {pts.shape}')
        if not (np.isfinite(box).all() and np.isfinite(pts).all()):
            raise ValueError(f'{field}: box or landmarks hold NaN/inf')
        out.append(dict(box=box.tolist(), landmarks=pts.tolist(),
                        score=score))
    return out


class ShardSink:
    """Numbered tar shards of ``samples_per_shard`` samples, plus sizes.json.

    ``sizes.json`` is merged with an existing one, so shards written by
    separate calls (``first_shard``) share one folder.
    """

    def __init__(self, out_dir, samples_per_shard, first_shard=0):
        if samples_per_shard < 1:
            raise ValueError('samples_per_shard must be >= 1')
        os.makedirs(out_dir, exist_ok=True)
        self.out_dir = out_dir
        self.samples_per_shard = int(samples_per_shard)
        self.shard = int(first_shard)
        self.paths, self.sizes = [], {}
        self._writer, self._count = None, 0

    def write(self, key, image_ext, image_bytes, caption, meta):
        if self._writer is None:
            path = osp.join(self.out_dir, f'{self.shard:05d}.tar')
            self._writer = TarWriter(path)
            self.paths.append(path)
        self._writer.write({'__key__': key, image_ext: image_bytes,
                            'txt': caption, 'json': json.dumps(meta)})
        self._count += 1
        if self._count == self.samples_per_shard:
            self._close_shard()

    def _close_shard(self):
        self._writer.close()
        self.sizes[osp.basename(self.paths[-1])] = self._count
        self._writer, self._count = None, 0
        self.shard += 1

    def close(self):
        """Finish the last shard and merge the counts into sizes.json."""
        if self._writer is not None:
            self._close_shard()
        sizes_path = osp.join(self.out_dir, SIZES_FILE)
        sizes = {}
        if osp.exists(sizes_path):
            with open(sizes_path) as f:
                sizes = json.load(f)
        sizes.update(self.sizes)
        with open(sizes_path, 'w') as f:
            json.dump(dict(sorted(sizes.items())), f, indent=1)
        return self.paths


def _distractor(rng, size):
    """A low-score detection elsewhere in the image (a background face)."""
    side = rng.uniform(0.1, 0.25) * size
    x1, y1 = rng.uniform(0, size - side, 2)
    template = np.array([[0.3, 0.4], [0.7, 0.4], [0.5, 0.6], [0.35, 0.8],
                         [0.65, 0.8]])
    return dict(box=[x1, y1, x1 + side, y1 + side],
                landmarks=(template * side + [x1, y1]).tolist(),
                score=float(rng.uniform(0.05, 0.85)))


def write_synthetic_shards(out_dir, num_shards, samples_per_shard, size=128,
                           seed=0, start=0, distractor_prob=0.25,
                           first_shard=None):
    """Shards of synthetic faces with captions from their attributes.

    Each sample holds its face (score in [0.95, 1)) and, with probability
    ``distractor_prob``, a low-score (< 0.85) distractor in random order, so
    that a face-selection threshold of 0.9 is exercised.

    Args:
        out_dir (str): Output folder.
        num_shards (int): Number of shards.
        samples_per_shard (int): Samples per shard.
        size (int): Image side in pixels.
        seed (int): Generator seed.
        start (int): Index of the first sample; keys are ``{index:09d}``.
        distractor_prob (float): Chance of a distractor face per sample.
        first_shard (int, optional): Number of the first shard file;
            default ``start // samples_per_shard``.

    Returns:
        list[str]: Paths of the shards written.
    """
    gen = SyntheticFaceGenerator(size=size, seed=seed)
    if first_shard is None:
        first_shard = start // samples_per_shard
    sink = ShardSink(out_dir, samples_per_shard, first_shard)
    for index in range(start, start + num_shards * samples_per_shard):
        s = gen.sample(index)
        rng = np.random.default_rng([seed, index, 1])
        faces = [dict(box=s.box.tolist(), landmarks=s.landmarks('5').tolist(),
                      score=float(rng.uniform(0.95, 1.0)))]
        if rng.random() < distractor_prob:
            faces.insert(int(rng.integers(2)), _distractor(rng, size))
        ok, jpg = cv2.imencode('.jpg', s.image, [cv2.IMWRITE_JPEG_QUALITY, 95])
        assert ok, 'OpenCV failed to encode a JPEG'
        key = f'{index:09d}'
        sink.write(key, 'jpg', jpg.tobytes(), s.caption,
                   dict(key=key, width=size, height=size, faces=faces,
                        attributes={k: int(v)
                                    for k, v in s.attributes.items()}))
    return sink.close()


def write_synthetic_samples(out_dir, num, samples_per_shard=10000, size=128,
                            seed=0, first_shard=0):
    """``num`` synthetic samples in equal shards, numbered from
    ``first_shard`` (keys go on from ``first_shard * samples_per_shard``,
    so later calls add to a folder). Fewer samples than
    ``samples_per_shard`` make one shard of ``num``.

    Raises:
        ValueError: If ``num`` is not a positive multiple of the shard size.
    """
    if num < 1 or num % min(samples_per_shard, num):
        raise ValueError(f'{num} synthetic samples: need a positive multiple '
                         f'of samples_per_shard ({samples_per_shard})')
    per_shard = min(samples_per_shard, num)
    return write_synthetic_shards(
        out_dir, num // per_shard, per_shard, size=size, seed=seed,
        start=first_shard * per_shard, first_shard=first_shard)


def _read_text(path):
    with open(path, encoding='utf-8') as f:
        return f.read().strip()


def _read_json(path, where=None):
    try:
        with open(path, encoding='utf-8') as f:
            return json.load(f)
    except json.JSONDecodeError as err:
        raise ValueError(f'{where or path}: invalid JSON ({err})') from None


def _image_ext(path):
    ext = osp.splitext(path)[1][1:].lower()
    if ext not in IMAGE_EXTS:
        raise ValueError(f'{path}: image extension must be one of '
                         f'{IMAGE_EXTS}')
    return 'jpg' if ext == 'jpeg' else ext


def _read_bytes(path):
    with open(path, 'rb') as f:
        return f.read()


def write_shards_from_folder(image_dir, out_dir, samples_per_shard=10000,
                             first_shard=0):
    """Shards from a folder of images with same-stem sidecar files.

    ``{stem}.jpg|png|webp`` + ``{stem}.txt`` (caption) + ``{stem}.json``
    (detections, see :func:`parse_faces`; other JSON fields are kept).
    Images are stored byte for byte, keys are the stems in sorted order.
    A missing sidecar is an error naming the file.

    Returns:
        list[str]: Paths of the shards written.
    """
    names = sorted(n for n in os.listdir(image_dir)
                   if osp.splitext(n)[1][1:].lower() in IMAGE_EXTS)
    if not names:
        raise FileNotFoundError(f'{image_dir}: no {IMAGE_EXTS} images')
    sink = ShardSink(out_dir, samples_per_shard, first_shard)
    for name in names:
        stem = osp.join(image_dir, osp.splitext(name)[0])
        for ext in ('txt', 'json'):
            if not osp.exists(f'{stem}.{ext}'):
                raise FileNotFoundError(
                    f'{stem}.{ext}: missing (every image needs a caption '
                    '.txt and a detections .json)')
        meta = _read_json(f'{stem}.json')
        meta = dict(meta if isinstance(meta, dict) else {},
                    faces=parse_faces(meta, f'{stem}.json'))
        sink.write(osp.basename(stem), _image_ext(name),
                   _read_bytes(osp.join(image_dir, name)),
                   _read_text(f'{stem}.txt'), meta)
    return sink.close()


def write_shards_from_csv(csv_path, out_dir, samples_per_shard=10000,
                          image_root=None, first_shard=0):
    """Shards from a CSV with columns ``image``, ``caption``, ``faces``.

    ``image``: path, relative to ``image_root`` (default: the CSV's folder);
    ``caption``: text; ``faces``: JSON detections (see
    :func:`parse_faces`). An optional ``key`` column names the samples
    (default: the row number, ``{row:09d}``).

    Returns:
        list[str]: Paths of the shards written.
    """
    root = osp.dirname(osp.abspath(csv_path)) if image_root is None \
        else image_root
    sink = ShardSink(out_dir, samples_per_shard, first_shard)
    with open(csv_path, newline='', encoding='utf-8') as f:
        reader = csv.DictReader(f)
        missing = {'image', 'caption', 'faces'} - set(reader.fieldnames or ())
        if missing:
            raise ValueError(f'{csv_path}: missing column(s) '
                             f'{sorted(missing)}')
        for row_num, row in enumerate(reader):
            where = f'{csv_path}: row {row_num + 2}'
            try:
                record = json.loads(row['faces'] or '[]')
            except json.JSONDecodeError as err:
                raise ValueError(f'{where}: "faces" is not JSON ({err})') \
                    from None
            path = osp.join(root, row['image'])
            if not osp.exists(path):
                raise FileNotFoundError(f'{where}: image {path} not found')
            key = row.get('key') or f'{row_num:09d}'
            sink.write(key, _image_ext(path), _read_bytes(path),
                       row['caption'].strip(),
                       dict(key=key, faces=parse_faces(record, where)))
    return sink.close()
