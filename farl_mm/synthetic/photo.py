"""Photometric layer: background texture, hair sheen, lens tint, lighting
gradient and sensor noise, applied on top of the flat (palette) render.

None of this moves a border: texture replaces only background pixels, and
the rest is a per-pixel gain plus noise, so the parsing mask stays exact.
All random numbers are drawn unconditionally, in a fixed order, from the
sample's photometric stream. Everything is whole-array work (outer products
of 1-D ramps instead of per-pixel trigonometry) to stay within a few
milliseconds per 256-pixel image.
"""
import cv2
import numpy as np

from .layers import Layer


def _texture(rng, size, base):
    """Background ``(H, W, 3)`` uint8: smooth coloured blotches around
    ``base``, optionally with stripes or a vertical ramp. Built at a quarter
    of the resolution (it is smooth) and upsampled once."""
    grid = rng.uniform(-45, 45, (5, 5, 3)).astype(np.float32)
    kind, freq, phase, angle, amount = rng.random(5)
    low = max(size // 4, 8)
    tex = cv2.resize(grid * amount, (low, low), interpolation=cv2.INTER_CUBIC)
    tex += base
    axis = np.arange(low, dtype=np.float32) / low
    if kind < 0.35:  # stripes: sin(a x + b y + c) as a sum of outer products
        k = 2 * np.pi * (3 + 9 * freq)
        a, b = k * np.cos(np.pi * angle), k * np.sin(np.pi * angle)
        ax, by = a * axis + 6.28 * phase, b * axis
        tex += (np.outer(np.cos(by), 18 * np.sin(ax)) +
                np.outer(np.sin(by), 18 * np.cos(ax)))[..., None]
    elif kind < 0.6:  # a vertical ramp, like a studio backdrop
        tex += (100 * (axis - 0.5) * (freq - 0.5))[:, None, None]
    tex = np.clip(tex, 0, 255).astype(np.uint8)
    return cv2.resize(tex, (size, size), interpolation=cv2.INTER_LINEAR)


def apply_photometric(flat, paint, palette, lens, rng):
    """Turn the flat palette render into a textured, lit, noisy image.

    Per-pixel maps (gain, noise) are single-channel and applied channel by
    channel with OpenCV's mixed-type, saturating arithmetic: one fused pass
    per channel, several times faster than the same maths in numpy.

    Args:
        flat (np.ndarray): ``(H, W, 3)`` uint8 BGR palette render.
        paint (np.ndarray): ``(H, W)`` layer map it was looked up from.
        palette (np.ndarray): ``(len(Layer), 3)`` uint8 BGR colours.
        lens (np.ndarray | None): Eyeglass lens mask (uint8) or None.
        rng (np.random.Generator): The sample's photometric stream.

    Returns:
        np.ndarray: ``(H, W, 3)`` uint8 BGR.
    """
    size = paint.shape[0]
    tex = _texture(rng, size, palette[Layer.BACKGROUND].astype(np.float32))
    img = cv2.copyTo(tex, (paint == Layer.BACKGROUND).view(np.uint8),
                     flat.copy())
    sheen_y, sheen, phi, amp, exposure, sigma = rng.random(6)
    tint = rng.uniform(150, 255, 3)
    if lens is not None:  # a faint tint where the lenses are
        x, y, w, h = cv2.boundingRect(lens)
        roi = img[y:y + h, x:x + w]
        glass = (lens[y:y + h, x:x + w] > 0) & (
            paint[y:y + h, x:x + w] != Layer.GLASSES)
        tinted = cv2.addWeighted(roi, 0.85, np.full_like(roi, tint), 0.15, 0)
        cv2.copyTo(tinted, glass.view(np.uint8), roi)
    axis = np.arange(size, dtype=np.float32) / size - 0.5
    # Directional light and exposure, as one gain map.
    gain = np.add.outer(0.7 * amp * np.sin(2 * np.pi * phi) * axis,
                        0.7 * amp * np.cos(2 * np.pi * phi) * axis)
    gain += 1.0
    gain *= 0.85 + 0.3 * exposure
    # Hair sheen: a soft band of extra brightness across the hair.
    band = 0.25 * sheen * np.exp(-((axis + 0.4 - 0.3 * sheen_y) / .05) ** 2)
    hair = (paint == Layer.HAIR_FRONT) | (paint == Layer.HAIR_BACK)
    gain += hair * (band[:, None] * gain)
    # Uniform sensor noise from raw bytes (several times cheaper than
    # drawing floats), zero-mean, peak-to-peak 4 to 18 levels.
    noise = np.frombuffer(rng.bytes(size * size), np.uint8).reshape(
        size, size).astype(np.float32)
    noise -= 127.5
    noise *= (4 + 14 * sigma) / 255
    return cv2.merge([
        cv2.add(cv2.multiply(c, gain, dtype=cv2.CV_32F), noise,
                dtype=cv2.CV_8U) for c in cv2.split(img)])
