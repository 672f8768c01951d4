"""The tanh_alpha warp of the FaRL appendix, forward and exact inverse.

The aligned canvas (any point of the image plane, normalised so the canvas is
``[-1, 1]^2``) is squashed per axis into the output's ``(-1, 1)``: identity on
``[-1 + a, 1 - a]``, ``tanh`` compression outside, so the whole photo is
visible and the face keeps its size. ``alpha = 0`` is a plain crop.
"""
import cv2
import numpy as np
import torch
import torch.nn.functional as F

from .alignment import _wh

_ATANH_LIMIT = 1.0 - 1e-3


def _lib(x):
    return torch if isinstance(x, torch.Tensor) else np


def _beyond(c, alpha):
    """``|c|`` and how far it lies beyond ``1 - alpha`` (0 inside): the
    warp is odd, the identity inside, a function of the excess outside."""
    xp = _lib(c)
    magnitude = xp.abs(c)
    clip = torch.clamp if xp is torch else np.clip
    return magnitude, clip(magnitude - (1 - alpha), 0.0, None)


def tanh_warp(c, alpha):
    """Aligned normalised coordinates -> output normalised coordinates."""
    if alpha <= 0:
        return c
    xp, a = _lib(c), float(alpha)
    magnitude, excess = _beyond(c, a)
    return xp.sign(c) * (magnitude - excess + a * xp.tanh(excess / a))


def tanh_unwarp(c, alpha):
    """Inverse of :func:`tanh_warp`; the artanh argument is clamped."""
    if alpha <= 0:
        return c
    xp, a = _lib(c), float(alpha)
    clip = torch.clamp if xp is torch else np.clip
    atanh = torch.atanh if xp is torch else np.arctanh
    magnitude, excess = _beyond(c, a)
    return xp.sign(c) * (magnitude - excess +
                         a * atanh(clip(excess / a, 0.0, _ATANH_LIMIT)))


class FaceWarp:
    """Image pixels -> output pixels: ``matrix`` (3x3, e.g. alignment composed
    with jitter) onto a ``size`` canvas, then the tanh warp with ``alpha``.

    Keep the instance (or its ``matrix``, ``size``, ``alpha``,
    ``align_corners``) with a sample: :meth:`unwarp_logits` maps
    predictions back onto the original photo.

    ``align_corners`` says where the tanh warp's normalised ``[-1, 1]``
    lies on the canvas: on the outer pixel centres (True, farl_mm's
    convention) or on the canvas edges (False: torch's
    ``align_corners=False``, the authors' ``facer``, whose released models
    expect it). ``matrix`` is in pixel-centre coordinates either way.
    """

    def __init__(self, matrix, size, alpha=0.8, align_corners=True):
        self.matrix = np.asarray(matrix, dtype=np.float64).reshape(3, 3)
        self.size = _wh(size)
        self.alpha = float(alpha)
        if not 0.0 <= self.alpha <= 1.0:
            raise ValueError(f'alpha must be in [0, 1], got {alpha}')
        self.align_corners = bool(align_corners)
        wh = np.array(self.size, dtype=np.float64)
        # normalised = (pixel + offset) / half - 1
        self._half = (wh - 1.0) / 2.0 if self.align_corners else wh / 2.0
        self._offset = 0.0 if self.align_corners else 0.5

    def _normalise(self, pts):
        return (pts + self._offset) / self._half - 1.0

    def _pixels(self, norm):
        return (norm + 1.0) * self._half - self._offset

    # point maps (numpy, float64) ---------------------------------------
    def forward_points(self, pts):
        """Original-image points (N, 2) -> output-image points (N, 2)."""
        pts = np.asarray(pts, dtype=np.float64).reshape(-1, 2)
        aligned = pts @ self.matrix[:2, :2].T + self.matrix[:2, 2]
        return self._pixels(tanh_warp(self._normalise(aligned), self.alpha))

    def inverse_points(self, pts):
        """Output-image points (N, 2) -> original-image points (N, 2)."""
        pts = np.asarray(pts, dtype=np.float64).reshape(-1, 2)
        aligned = self._pixels(tanh_unwarp(self._normalise(pts), self.alpha))
        inv = np.linalg.inv(self.matrix)
        return aligned @ inv[:2, :2].T + inv[:2, 2]

    # images -------------------------------------------------------------
    def warp_image(self, img, interpolation='bilinear', border_value=0):
        """Resample ``img`` (H, W[, C]) onto the output canvas.

        Use ``interpolation='nearest'`` for label maps. Without the warp
        (``alpha = 0``) this is one affine resampling, ~10x faster.
        """
        flags = dict(bilinear=cv2.INTER_LINEAR, nearest=cv2.INTER_NEAREST,
                     bicubic=cv2.INTER_CUBIC)
        if interpolation not in flags:
            raise ValueError(f'unknown interpolation {interpolation!r}')
        if self.alpha == 0:
            return cv2.warpAffine(img, self.matrix[:2], self.size,
                                  flags=flags[interpolation],
                                  borderMode=cv2.BORDER_CONSTANT,
                                  borderValue=border_value)
        return self._remap(img, flags[interpolation], border_value)

    def _remap(self, img, flag, border_value):
        w, h = self.size
        xs, ys = np.meshgrid(np.arange(w, dtype=np.float64),
                             np.arange(h, dtype=np.float64))
        src = self.inverse_points(np.stack([xs.ravel(), ys.ravel()], 1))
        map_x = src[:, 0].reshape(h, w).astype(np.float32)
        map_y = src[:, 1].reshape(h, w).astype(np.float32)
        return cv2.remap(img, map_x, map_y, flag,
                         borderMode=cv2.BORDER_CONSTANT,
                         borderValue=border_value)

    def unwarp_logits(self, logits, orig_hw, padding_mode='zeros'):
        """Output-canvas logits (N, C, h, w) -> logits on the original image
        grid (N, C, H, W), bilinear; take the argmax afterwards.

        The logits must cover the output canvas (any resolution: sampled
        with this warp's ``align_corners``, normalised coordinates put pixel
        centres where the warp put them). With ``alpha = 0`` pixels outside
        the crop get zero logits (argmax: class 0) under
        ``padding_mode='zeros'``.
        """
        height, width = int(orig_hw[0]), int(orig_hw[1])
        # normalised canvas coordinates of each photo pixel, affine in
        # (x, y): coefficients in float64, the grid in the logits' dtype
        norm = (self.matrix[:2] + [[0, 0, self._offset]] * 2) \
            / self._half[:, None] - [[0, 0, 1]] * 2
        kw = dict(dtype=logits.dtype, device=logits.device)
        xs = torch.arange(width, **kw)[None, :]
        ys = torch.arange(height, **kw)[:, None]
        grid = torch.stack([
            tanh_warp(xs * row[0] + (ys * row[1] + row[2]), self.alpha)
            for row in norm.tolist()], -1)
        grid = grid.unsqueeze(0).expand(logits.shape[0], -1, -1, -1)
        return F.grid_sample(logits, grid, mode='bilinear',
                             padding_mode=padding_mode,
                             align_corners=self.align_corners)
