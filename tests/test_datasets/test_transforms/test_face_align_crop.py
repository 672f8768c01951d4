"""FaceAlignCrop: the chosen face lands on the mean face; low scores are never
chosen; images without a face follow the configured policy."""
import cv2
import numpy as np
import pytest

from farl_mm.datasets.transforms import FaceAlignCrop
from farl_mm.geometry import mean_face_points

SIZE = 64


def similarity(angle_deg, scale, shift):
    a = np.deg2rad(angle_deg)
    rot = scale * np.array([[np.cos(a), -np.sin(a)], [np.sin(a), np.cos(a)]])
    return lambda p: p @ rot.T + np.asarray(shift)


def dots_image(points, hw, radius):
    """Black image with a white disc at each point (8x sub-pixel drawing)."""
    img = np.zeros((*hw, 3), np.uint8)
    for x, y in points:
        cv2.circle(img, (round(x * 8), round(y * 8)), round(radius * 8),
                   (255, 255, 255), -1, cv2.LINE_AA, shift=3)
    return img


def blob_centres(img, around, window=6):
    """Intensity centroid of the image near each expected point."""
    gray = img[..., 1].astype(np.float64)
    ys, xs = np.mgrid[:gray.shape[0], :gray.shape[1]]
    out = []
    for x, y in around:
        near = (np.abs(xs - x) <= window) & (np.abs(ys - y) <= window)
        w = gray * near
        out.append([(w * xs).sum() / w.sum(), (w * ys).sum() / w.sum()])
    return np.array(out)


def face(points, score):
    pts = np.asarray(points, np.float32)
    return dict(box=np.r_[pts.min(0) - 5, pts.max(0) + 5], landmarks=pts,
                score=score)


@pytest.mark.parametrize('zoom', [3.0, 1.2])  # 3.0: shrunk first (x1/3)
def test_landmarks_land_on_the_mean_face(zoom):
    template = mean_face_points(SIZE)
    to_image = similarity(25, zoom, (40, 30))
    src = to_image(template)
    distractor = similarity(-10, 1.0, (5, 150))(template)
    img = dots_image(src, (320, 300), radius=1.5 * zoom)
    results = dict(img=img, faces=[face(distractor, 0.8), face(src, 0.97)])
    out = FaceAlignCrop(size=SIZE)(results)

    assert out['img'].shape == (SIZE, SIZE, 3) and out['face_aligned']
    assert out['img_shape'] == (SIZE, SIZE)
    np.testing.assert_allclose(out['face_landmarks'], template, atol=1e-3)
    # the pixels agree: each drawn disc is centred on its template point
    centres = blob_centres(out['img'], template)
    assert np.abs(centres - template).max() < 0.5


def test_low_scores_are_never_chosen_and_confident_faces_are_drawn():
    template = mean_face_points(SIZE)
    good = [similarity(0, 1, (d, 0))(template) for d in (0, 100)]
    bad = [similarity(0, 1, (d, 90))(template) for d in (0, 100)]
    faces = [face(bad[0], 0.9), face(good[0], 0.95), face(bad[1], 0.2),
             face(good[1], 0.91)]
    chosen = set()
    transform = FaceAlignCrop(size=SIZE, score_thr=0.9)
    for seed in range(12):
        np.random.seed(seed)
        out = transform(dict(img=np.zeros((200, 200, 3), np.uint8),
                             faces=faces))
        shift = out['align_matrix'][0, 2]  # which face was aligned
        chosen.add(round(shift))
    assert chosen == {0, -100}
    assert transform.counts == dict(aligned=12, fallback=0, skipped=0)


def test_no_face_falls_back_or_skips_as_configured():
    img = np.random.default_rng(0).integers(0, 255, (90, 120, 3), np.uint8)
    faint = face(mean_face_points(SIZE), 0.5)
    fallback = FaceAlignCrop(size=SIZE)  # CLIPRandomCrop
    out = fallback(dict(img=img, faces=[faint]))
    assert out['img'].shape == (SIZE, SIZE, 3) and not out['face_aligned']
    assert 'align_matrix' not in out
    assert fallback.counts == dict(aligned=0, fallback=1, skipped=0)

    skip = FaceAlignCrop(size=SIZE, no_face='skip')
    assert skip(dict(img=img, faces=[])) is None
    assert skip.counts['skipped'] == 1 and "'skipped': 1" in repr(skip)
    with pytest.raises(ValueError, match="'fallback', 'skip'"):
        FaceAlignCrop(no_face='crop')
