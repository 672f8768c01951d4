"""LaPa's landmark files (``{split}/landmarks/{name}.txt``): a line with the
point count, then ``x y`` in pixels per point.

Real LaPa data, its converter, the landmark-loading transform, the demo and
the synthetic LaPa writer all read or write this one format here.
"""
import numpy as np


def write_landmarks_txt(path, points):
    """Write ``(N, 2)`` points as LaPa does: the count, then ``x y``."""
    lines = [str(len(points))] + [f'{x:.4f} {y:.4f}' for x, y in points]
    with open(path, 'w') as f:
        f.write('\n'.join(lines) + '\n')


def read_landmarks_txt(path):
    """The points of a LaPa landmark file, ``(N, 2)`` float32.

    Raises:
        ValueError: naming ``path``, when the first line is not a count or
            the file does not hold that many ``x y`` lines.
    """
    with open(path) as f:
        header = f.readline().strip()
        if not header.isdigit():
            raise ValueError(f'{path}: first line should be the number of '
                             f'points, got {header!r}')
        num = int(header)
        points = np.loadtxt(f, dtype=np.float32, ndmin=2)
    if points.shape != (num, 2):
        raise ValueError(f'{path}: expected {num} lines "x y" after the '
                         f'count, read an array of shape {points.shape}')
    return points
