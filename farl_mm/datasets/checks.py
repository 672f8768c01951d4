"""Checks of a prepared downstream dataset, each problem naming its file.

A bad file in a dataset of thousands otherwise surfaces as an obscure
crash inside a dataloader worker (a shape mismatch in the loss, an index
out of range in cross-entropy) or, worse, as silently wrong training (a
label map of another size is warped with the image anyway). The datasets
run these checks while they load (:class:`CheckedDataset`) and raise
:class:`DatasetProblems` listing what they found;
``tools/misc/check_dataset.py`` runs the same checks on every sample
before training and lists them all.

Each check returns a list of :class:`Problem` (empty: fine).
"""
import collections
import os.path as osp
from typing import NamedTuple, Optional

import numpy as np

from farl_mm.geometry.alignment import spread_and_thickness

#: Label value every parsing head ignores (mmseg's ``ignore_index``).
IGNORE_INDEX = 255
#: 5-point sets spread less than this (RMS distance to their centroid, px)
#: are coincident: the alignment would blow a dot up to the whole canvas.
MIN_SPREAD = 2.0
#: ... and thinner than this share of their length are collinear: the
#: alignment of a line has no defined face orientation or height.
MIN_THICKNESS = 0.02

# The check each problem comes from, as the summary lists them.
MISSING = 'missing file'
UNREADABLE = 'unreadable file'
LABEL_VALUES = 'label values'
LABEL_SIZE = 'label size'
LANDMARK_COUNT = 'landmark count'
LANDMARK_VALUES = 'landmark values'
DEGENERATE = 'degenerate alignment'
BOX = 'face box'
ATTRIBUTE_VALUES = 'attribute values'
UNKNOWN_CLASS = 'unknown class'
BAD_SAMPLE = 'bad web sample'  # shards: by laion_face_decode's reasons
ALIGNMENT = 'face alignment'  # shards: a face that cannot be aligned
SHARD_SIZE = 'shard size'  # shards: the tar's count is not sizes.json's
CHECKS = (MISSING, UNREADABLE, LABEL_VALUES, LABEL_SIZE, LANDMARK_COUNT,
          LANDMARK_VALUES, DEGENERATE, BOX, ATTRIBUTE_VALUES, UNKNOWN_CLASS,
          BAD_SAMPLE, ALIGNMENT, SHARD_SIZE)


class Problem(NamedTuple):
    """One thing wrong with one file (``line``: 1-based, for list files)."""
    check: str
    path: str
    message: str
    line: Optional[int] = None

    def __str__(self):
        where = self.path if self.line is None else f'{self.path}:{self.line}'
        return f'{where}: {self.message}'


def count_by_check(problems):
    """``{check: count}`` in :data:`CHECKS` order."""
    counts = collections.Counter(p.check for p in problems)
    return {c: counts[c] for c in sorted(counts, key=_check_order)}


def _check_order(check):
    return CHECKS.index(check) if check in CHECKS else len(CHECKS)


class DatasetProblems(ValueError):
    """The problems a dataset found while loading; ``.problems`` has all."""

    def __init__(self, what, problems, shown=10):
        self.problems = list(problems)
        counts = ', '.join(f'{c}: {n}'
                           for c, n in count_by_check(self.problems).items())
        lines = [str(p) for p in self.problems[:shown]]
        if len(self.problems) > shown:
            lines.append(f'... and {len(self.problems) - shown} more')
        super().__init__(
            f'{what}: {len(self.problems)} problem(s) ({counts}); list them '
            'all with tools/misc/check_dataset.py CONFIG\n  ' +
            '\n  '.join(lines))


class CheckedDataset:
    """Mixin: raise the problems a dataset finds, or hand them over.

    ``problem_sink`` None (the default) makes :meth:`report_problems`
    raise :class:`DatasetProblems`; ``tools/misc/check_dataset.py`` sets a
    list to collect every problem instead. :meth:`sample_problems` holds
    the per-sample checks that read files (header sizes, label values,
    landmark files) and is what the tool runs on each sample.
    """
    problem_sink = None

    def report_problems(self, problems):
        problems = list(problems)
        if self.problem_sink is not None:
            self.problem_sink.extend(problems)
        elif problems:
            raise DatasetProblems(type(self).__name__, problems)

    def sample_problems(self, info):
        """Everything wrong with one sample (``get_data_info``'s dict)."""
        return image_problems(info['img_path'])


def missing_files(paths):
    """A :data:`MISSING` problem per path that is not a file."""
    return [Problem(MISSING, p, 'missing') for p in paths
            if not osp.isfile(p)]


def image_size(path):
    """``(width, height)`` from the file header; nothing is decoded."""
    from PIL import Image
    with Image.open(path) as img:
        return img.size


def _header_errors():
    """What PIL raises on a file it cannot open (bad or truncated
    headers raise OSError, SyntaxError or ValueError by format)."""
    from PIL import Image
    return OSError, SyntaxError, ValueError, Image.DecompressionBombError


def _size_or_problem(path):
    try:
        return image_size(path), []
    except _header_errors() as err:
        return None, [Problem(UNREADABLE, path,
                              f'not a readable image ({err})')]


def image_problems(path):
    """Missing, or a header PIL cannot read."""
    if not osp.isfile(path):
        return [Problem(MISSING, path, 'missing')]
    return _size_or_problem(path)[1]


def decoded_image_problems(path):
    """An existing image that does not decode to its end (a truncated
    JPEG has a sound header: only a full decode finds it)."""
    from PIL import Image
    try:
        with Image.open(path) as img:
            img.load()
    except _header_errors() as err:
        return [Problem(UNREADABLE, path,
                        f'truncated or corrupt image ({err})')]
    return []


def label_size_problems(img_path, label_path):
    """The label map must be the size of its image (header reads)."""
    img, problems = _size_or_problem(img_path)
    label, label_problems = _size_or_problem(label_path)
    if problems or label_problems:
        return problems + label_problems
    if img != label:
        return [Problem(LABEL_SIZE, label_path,
                        f'{label[0]}x{label[1]} label for a {img[0]}x'
                        f'{img[1]} image ({img_path})')]
    return []


def label_value_problems(label_path, label, num_classes,
                         reduce_zero_label=False):
    """Values of a (decoded) label map outside the classes.

    Allowed: ``0..num_classes - 1`` and :data:`IGNORE_INDEX`; with
    ``reduce_zero_label`` (mmseg shifts the file's values down by one)
    ``0..num_classes``.
    """
    top = num_classes + 1 if reduce_zero_label else num_classes
    label = np.asarray(label)
    if label.size == 0 or (label.min() >= 0 and label.max() < top):
        return []
    values = np.unique(label)
    bad = values[((values < 0) | (values >= top)) & (values != IGNORE_INDEX)]
    if len(bad):
        shown = ', '.join(str(v) for v in bad[:8].tolist())
        return [Problem(LABEL_VALUES, label_path,
                        f'label values {shown} outside 0..{top - 1} (and '
                        f'the ignore index {IGNORE_INDEX})')]
    return []


def read_label(path):
    """A label map as stored (single channel, no colour conversion)."""
    import cv2
    label = cv2.imread(path, cv2.IMREAD_UNCHANGED)
    if label is None:
        raise ValueError(f'{path}: not a readable image')
    if label.ndim != 2:
        raise ValueError(f'{path}: label map has {label.shape[2]} channels, '
                         'expected one')
    return label


def landmark_problems(path, points, expected, line=None):
    """Point count and finiteness of ``(N, 2)`` landmarks."""
    points = np.asarray(points, dtype=np.float64)
    if points.ndim != 2 or points.shape[1] != 2:
        return [Problem(LANDMARK_COUNT, path, f'landmarks of shape '
                        f'{points.shape}, expected ({expected}, 2)', line)]
    if len(points) != expected:
        return [Problem(LANDMARK_COUNT, path, f'{len(points)} landmarks, '
                        f'expected {expected}', line)]
    bad = ~np.isfinite(points).all(axis=1)
    if bad.any():
        return [Problem(LANDMARK_VALUES, path,
                        f'{int(bad.sum())} landmark(s) NaN or inf, e.g. '
                        f'point {int(np.flatnonzero(bad)[0])}', line)]
    return []


def alignment_problems(path, points5, line=None, min_spread=MIN_SPREAD,
                       min_thickness=MIN_THICKNESS):
    """5 alignment points that are not finite, coincident or collinear.

    The similarity fit onto the mean face (:func:`farl_mm.geometry.
    align_matrix`) succeeds numerically on nearly coincident points but
    zooms a speck up to the whole canvas; on collinear ones it returns
    an arbitrary orientation. Both make a garbage training image.
    """
    problems = landmark_problems(path, points5, 5, line)
    if problems:
        return problems
    spread, thickness = spread_and_thickness(points5)
    if spread < min_spread:
        return [Problem(DEGENERATE, path, f'the 5 alignment points are '
                        f'(nearly) coincident: spread {spread:.2f} px < '
                        f'{min_spread} px', line)]
    if thickness < min_thickness:
        return [Problem(DEGENERATE, path, 'the 5 alignment points are '
                        f'(nearly) collinear: width/length {thickness:.3f} '
                        f'< {min_thickness}', line)]
    return []


def batch_alignment_problems(path, points5, names, **kwargs):
    """:func:`alignment_problems` of ``(N, 5, 2)`` points of the list file
    ``path``, whose rows start with ``names``.

    Vectorised for the screening; each flagged face is then described by
    :func:`alignment_problems`, with its name and line in ``path``.
    """
    points5 = np.asarray(points5, dtype=np.float64)
    spread, thickness = spread_and_thickness(points5)
    flagged = ~(spread >= kwargs.get('min_spread', MIN_SPREAD)) | \
        ~(thickness >= kwargs.get('min_thickness', MIN_THICKNESS))
    problems = []
    lines = table_lines(path) if flagged.any() else {}
    for i in np.flatnonzero(flagged):
        for p in alignment_problems(path, points5[i], **kwargs):
            problems.append(p._replace(message=f'{names[i]}: {p.message}',
                                       line=lines.get(names[i])))
    return problems


def landmark_file_problems(path, num_points, indices):
    """A LaPa-style landmark file: readable, ``num_points`` finite points
    whose ``indices`` (the alignment's five) are not degenerate.

    Returns:
        tuple: the ``(num_points, 2)`` points (None when unusable) and the
        list of problems.
    """
    from .landmark_files import read_landmarks_txt
    if not osp.isfile(path):
        return None, [Problem(MISSING, path, 'missing')]
    try:
        points = read_landmarks_txt(path)
    except ValueError as err:
        message = str(err)
        if message.startswith(f'{path}: '):
            message = message[len(path) + 2:]
        return None, [Problem(UNREADABLE, path, message)]
    problems = landmark_problems(path, points, num_points) or \
        alignment_problems(path, points[list(indices)])
    return (None if problems else points), problems


def parsing_sample_problems(info, num_classes):
    """Image, label map (same size, values in the classes) of a sample of
    an mmseg dataset (``img_path``, ``seg_map_path``)."""
    problems = image_problems(info['img_path'])
    label_path = info.get('seg_map_path')
    if label_path is None:
        return problems
    if not osp.isfile(label_path):
        return problems + [Problem(MISSING, label_path, 'missing')]
    if problems:
        return problems
    problems = label_size_problems(info['img_path'], label_path)
    try:
        label = read_label(label_path)
    except ValueError as err:
        return problems + [Problem(UNREADABLE, label_path,
                                   str(err)[len(label_path) + 2:])]
    return problems + label_value_problems(
        label_path, label, num_classes, info.get('reduce_zero_label', False))


def table_lines(path):
    """``first field -> line number`` of a text list (for naming lines)."""
    lines = {}
    with open(path) as f:
        for number, text in enumerate(f, start=1):
            fields = text.split()
            if fields:
                lines.setdefault(fields[0], number)
    return lines
