"""FaceAlignCrop's anti-aliasing: faces zoomed by < 1/2 are halved (2x2
area means) until the warp's zoom is in (1/2, 1]; others are warped
straight from the image."""
import cv2
import numpy as np
import pytest

from farl_mm.datasets.transforms import FaceAlignCrop
from farl_mm.geometry import align_matrix, mean_face_points

SIZE = 48


def face_at(zoom, shift):
    """Mean-face landmarks scaled by ``zoom`` (image px per crop px)."""
    return mean_face_points(SIZE) * zoom + np.asarray(shift)


@pytest.mark.parametrize('zoom,halvings', [(1.5, 0), (2.5, 1), (5.0, 2),
                                           (9.0, 3)])
def test_shrinks_by_powers_of_two_and_lands_on_the_mean_face(
        zoom, halvings, monkeypatch):
    points = face_at(zoom, (7.3, 11.1))
    side = int(np.ceil(points.max() + 40)) | 1  # odd sides on purpose
    img = np.zeros((side, side, 3), np.uint8)
    for x, y in points:  # a bright 3x3-crop-pixel square on each point
        r = 1.5 * zoom
        cv2.rectangle(img, (round(x - r), round(y - r)),
                      (round(x + r), round(y + r)), (255, 255, 255), -1)
    calls = []
    real_resize = cv2.resize
    monkeypatch.setattr(cv2, 'resize', lambda *a, **k: calls.append(k)
                        or real_resize(*a, **k))
    out = FaceAlignCrop(size=SIZE)(dict(img=img, faces=[dict(
        box=np.r_[points.min(0), points.max(0)], landmarks=points,
        score=0.99)]))
    assert len(calls) == halvings
    assert all(c['fx'] == c['fy'] == 0.5 for c in calls)
    template = mean_face_points(SIZE)
    np.testing.assert_allclose(out['face_landmarks'], template, atol=1e-6)
    np.testing.assert_allclose(out['align_matrix'],
                               align_matrix(points, SIZE), atol=1e-12)
    gray = out['img'][..., 1].astype(np.float64)
    ys, xs = np.mgrid[:SIZE, :SIZE]
    for x, y in template:  # each square's centroid on its template point
        near = (np.abs(xs - x) <= 3) & (np.abs(ys - y) <= 3)
        w = gray * near
        assert abs((w * xs).sum() / w.sum() - x) < 0.35
        assert abs((w * ys).sum() / w.sum() - y) < 0.35


def test_no_shrink_is_one_warp_of_the_original():
    rng = np.random.default_rng(0)
    img = rng.integers(0, 256, (90, 80, 3), np.uint8)
    points = face_at(1.2, (3, 4))
    out = FaceAlignCrop(size=SIZE)(dict(img=img.copy(), faces=[dict(
        box=np.r_[points.min(0), points.max(0)], landmarks=points,
        score=0.99)]))
    direct = cv2.warpAffine(img, align_matrix(points, SIZE)[:2],
                            (SIZE, SIZE), flags=cv2.INTER_LINEAR,
                            borderMode=cv2.BORDER_CONSTANT, borderValue=0)
    assert np.array_equal(out['img'], direct)
