"""Checks of LAION-Face shards for ``tools/misc/check_dataset.py``.

Training skips and counts bad web data (:mod:`.laion_face_decode`), so a
broken shard set shows up mid-run as skip counts or a ``max_skip_ratio``
error. This lists every problem beforehand, each naming its shard (and
key): missing or unreadable tars, tars whose sample count is not the one
``sizes.json`` gives, samples that do not decode (with ``full`` the image
is decoded to its end, else its header is read) and faces the pipeline's
:class:`~farl_mm.datasets.transforms.FaceAlignCrop` may draw that cannot
be aligned (:class:`~farl_mm.geometry.AlignmentError`).
"""
import tarfile

import numpy as np
from webdataset.tariterators import tarfile_samples

from ..geometry import AlignmentError, align_matrix
from .checks import (ALIGNMENT, BAD_SAMPLE, MISSING, SHARD_SIZE, UNREADABLE,
                     Problem)
from .laion_face_decode import BadSample, decode_sample
from .laion_face_format import SIZES_FILE
from .laion_face_sharding import is_remote
from .transforms.face_align_crop import FaceAlignCrop

TAR_ERRORS = (OSError, EOFError, tarfile.TarError, ValueError)


def shard_problems(dataset, full=True, max_errors=0):
    """``(samples read, problems)`` of a :class:`~farl_mm.datasets.
    LAIONFaceDataset`'s shards; stops once ``max_errors`` (if not 0)
    problems are found."""
    sizes = dict(zip(dataset.urls, dataset.shard_sizes or ()))
    faces = drawn_faces(dataset)
    problems, read = [], 0
    for url in dict.fromkeys(dataset.urls):
        count = 0
        samples = tarfile_samples([dict(url=url)])
        while not (max_errors and len(problems) >= max_errors):
            try:
                raw = next(samples)
            except StopIteration:
                if sizes.get(url, count) != count:
                    problems.append(Problem(SHARD_SIZE, url, (
                        f'{count} samples, but {SIZES_FILE} gives '
                        f'{sizes[url]}')))
                break
            except TAR_ERRORS as err:
                problems.append(_tar_problem(url, count, err))
                break
            count += 1
            problems += sample_problems(raw, dataset, full, faces)
        samples.close()
        read += count
        if max_errors and len(problems) >= max_errors:
            break
    return read, problems[:max_errors or None]


def _tar_problem(url, count, err):
    if count == 0 and isinstance(err, FileNotFoundError) and \
            not is_remote(url):
        return Problem(MISSING, url, 'missing shard')
    return Problem(UNREADABLE, url,
                   f'unreadable after {count} samples ({err})')


def drawn_faces(dataset):
    """``(score_thr, size, scale)`` of the pipeline's FaceAlignCrop: the
    faces it may draw and its canvas; every face at 224 px without one."""
    for transform in dataset.pipeline.transforms:
        if isinstance(transform, FaceAlignCrop):
            return transform.score_thr, transform.size, transform.scale
    return -np.inf, 224, 1.0


def sample_problems(raw, dataset, full, faces):
    """A tar sample's problems: it does not decode, or a face it may be
    cropped to (``faces``: see :func:`drawn_faces`) does not align."""
    try:
        results, _ = decode_sample(raw, dataset.min_size, dataset.max_pixels,
                                   decode_image=full)
    except BadSample as err:  # 'url#key.member: what is wrong'
        path, _, message = str(err).partition(': ')
        return [Problem(BAD_SAMPLE, path, f'{message} ({err.reason})')]
    score_thr, size, scale = faces
    height, width = results['img_shape']
    problems = []
    for face in results['faces']:
        if face['score'] <= score_thr:
            continue
        try:
            align_matrix(face['landmarks'], size, scale,
                         image_size=(width, height))
        except AlignmentError as err:
            problems.append(Problem(ALIGNMENT, (
                f'{results["url"]}#{results["sample_idx"]}.json'), (
                f'the face of score {face["score"]:.3f} at box '
                f'{[round(float(v), 1) for v in face["box"]]}: {err} '
                f'(align_{err.reason})')))
    return problems
