"""The LAION-Face shard format: image + caption + detections.

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
:data:`farl_mm.geometry.MEAN_FACE_512`. Every shard folder also holds
``sizes.json`` (shard file name -> sample count, the file open_clip reads),
from which :class:`~farl_mm.datasets.LAIONFaceDataset` knows its length.
"""
import numpy as np

#: Per-folder shard sizes (shard file name -> sample count).
SIZES_FILE = 'sizes.json'
#: Image members a sample may hold.
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
