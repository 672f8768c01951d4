"""Rasterise a draw list into the paint-layer map, without anti-aliasing.

A draw list is a z-ordered list of :class:`Op`; every op paints one layer id
(:class:`.layers.Layer`) with OpenCV's 8-connected, sub-pixel (``shift=4``)
polygon and polyline fillers. Nothing here blends, so a pixel belongs to
exactly one layer and the image and the label map read the same pixels.
"""
from collections import namedtuple

import cv2
import numpy as np

from .curves import apply_affine

_SHIFT = 4
_ONE = 1 << _SHIFT

#: One drawing step. ``kind`` is ``'fill'`` (polygon), ``'clip'`` (polygon
#: painted only over pixels whose layer is in ``over``), ``'line'`` (open
#: polyline of ``width`` template units), ``'ring'`` (closed polyline) or
#: ``'extra'`` (polygon filled into the extra mask named by ``over``; the
#: paint map is untouched).
Op = namedtuple('Op', 'layer kind points width over', defaults=(0.0, ()))


def _clip_fill(paint, fixed, layer, over):
    """Fill polygon ``fixed`` (sub-pixel ints) only where the paint map
    holds one of ``over``, working on the polygon's bounding box."""
    h, w = paint.shape
    x0, y0 = np.maximum((fixed.min(0) >> _SHIFT) - 1, 0)
    x1, y1 = np.minimum((fixed.max(0) >> _SHIFT) + 2, (w, h))
    if x0 >= x1 or y0 >= y1:
        return
    roi = paint[y0:y1, x0:x1]
    shape = np.zeros(roi.shape, np.uint8)
    offset = np.array([x0, y0], np.int32) << _SHIFT
    cv2.fillPoly(shape, [fixed - offset], 1, cv2.LINE_8, _SHIFT)
    allowed = roi == over[0]
    for value in over[1:]:
        allowed |= roi == value
    roi[(shape > 0) & allowed] = layer


def rasterise(ops, matrix, size, scale, paint=None, extras=None):
    """Paint a draw list into a ``(size, size)`` uint8 layer map.

    Args:
        ops (list[Op]): Z-ordered steps, points in template units.
        matrix (np.ndarray): ``(2, 3)`` template-to-image affine.
        size (int): Output side in pixels.
        scale (float): Pixels per template unit, for line widths.
        paint (np.ndarray, optional): A layer map to keep painting on (in
            place), e.g. to add overlays after the labels were read.
        extras (dict, optional): Extra masks to keep filling (in place).

    Returns:
        tuple[np.ndarray, dict[str, np.ndarray]]: The layer map and the
        ``'extra'`` masks (uint8 0/1) by name.
    """
    paint = np.zeros((size, size), np.uint8) if paint is None else paint
    extras = {} if extras is None else extras
    if not ops:
        return paint, extras
    # One transform and one rounding for every vertex of the draw list.
    pts = apply_affine(np.concatenate([op.points for op in ops]), matrix)
    fixed = np.round(pts * _ONE).astype(np.int32)
    ends = np.cumsum([len(op.points) for op in ops])
    for op, end in zip(ops, ends):
        poly = fixed[end - len(op.points):end]
        if op.kind == 'fill':
            cv2.fillPoly(paint, [poly], int(op.layer), cv2.LINE_8, _SHIFT)
        elif op.kind == 'clip':
            _clip_fill(paint, poly, int(op.layer), op.over)
        elif op.kind in ('line', 'ring'):
            width = max(1, int(round(op.width * scale)))
            cv2.polylines(paint, [poly], op.kind == 'ring', int(op.layer),
                          width, cv2.LINE_8, _SHIFT)
        elif op.kind == 'extra':
            mask = extras.setdefault(op.over, np.zeros_like(paint))
            cv2.fillPoly(mask, [poly], 1, cv2.LINE_8, _SHIFT)
        else:
            raise ValueError(f'unknown op kind {op.kind!r}')
    return paint, extras
