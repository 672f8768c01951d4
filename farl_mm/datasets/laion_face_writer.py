"""Write LAION-Face shards from real images and their detections (the
format: :mod:`.laion_face_format`), for
``tools/dataset_converters/laion_face_shards.py``.

:class:`ShardSink` numbers the tar shards and keeps ``sizes.json``; the
synthetic shards of :mod:`farl_mm.synthetic.writers.laion_face` go through
it too.
"""
import csv
import json
import os
import os.path as osp

from webdataset import TarWriter

from .laion_face_format import IMAGE_EXTS, SIZES_FILE, parse_faces


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
