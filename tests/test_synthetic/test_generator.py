"""farl_mm/synthetic/generator.py (and the layers, features and head it
draws with): determinism, pixel-exact labels, the five alignment points,
visibly rendered attributes and pose consistency. Also covers what it
draws with: farl_mm.synthetic.curves, farl_mm.synthetic.features,
farl_mm.synthetic.head, farl_mm.synthetic.layers, farl_mm.synthetic.params,
farl_mm.synthetic.photo and farl_mm.synthetic.raster."""
import cv2
import numpy as np
import pytest

from farl_mm.geometry import MEAN_FACE_512
from farl_mm.synthetic import (ATTRIBUTE_NAMES, LAPA_CLASSES, Pose,
                               SyntheticFaceGenerator)
from farl_mm.synthetic.layers import LAYER_CLASSES, OVERLAY, Layer

GEN = SyntheticFaceGenerator(size=256, seed=0)
# Everything off, black hair: the baseline each attribute test toggles from.
PLAIN = dict({name: 0 for name in ATTRIBUTE_NAMES}, Black_Hair=1, No_Beard=1)
NEUTRAL_OPEN = dict(Bald=0, Wearing_Hat=0, Eyeglasses=0, Smiling=0,
                    Mouth_Slightly_Open=1)


def _pixel(points, i):
    x, y = np.round(points[i]).astype(int)
    return y, x


def test_same_seed_and_index_give_identical_samples():
    a = GEN.sample(7)
    for _ in range(3):  # draws in between must not matter
        GEN.sample(int(np.random.randint(1000)))
    b = SyntheticFaceGenerator(size=256, seed=0).sample(7)
    np.testing.assert_array_equal(a.image, b.image)
    np.testing.assert_array_equal(a.parsing, b.parsing)
    np.testing.assert_array_equal(a.landmarks106, b.landmarks106)
    np.testing.assert_array_equal(a.box, b.box)
    for name in a.masks:
        np.testing.assert_array_equal(a.masks[name], b.masks[name])
    assert (a.attributes, a.caption) == (b.attributes, b.caption)


def test_different_index_or_seed_differ():
    a, b = GEN.sample(0), GEN.sample(1)
    c = SyntheticFaceGenerator(size=256, seed=1).sample(0)
    for other in (b, c):
        assert np.abs(a.image.astype(int) - other.image).mean() > 10
        assert np.abs(a.landmarks106 - other.landmarks106).max() > 5


def test_output_types_and_ranges():
    s = GEN.sample(3)
    assert s.image.shape == (256, 256, 3) and s.image.dtype == np.uint8
    assert s.parsing.shape == (256, 256) and s.parsing.dtype == np.uint8
    assert s.parsing.max() < len(LAPA_CLASSES) == 11
    assert s.landmarks106.shape == (106, 2)
    assert s.landmarks106.dtype == np.float32
    x1, y1, x2, y2 = s.box
    assert 0 <= x1 < x2 <= 256 and 0 <= y1 < y2 <= 256
    # The box holds the jaw, brows and chin.
    inside = ((s.landmarks106 >= s.box[:2] - 1) &
              (s.landmarks106 <= s.box[2:] + 1)).all(1)
    assert inside[:51].all()
    assert sorted(s.attributes) == sorted(ATTRIBUTE_NAMES)
    assert set(s.attributes.values()) <= {0, 1}


@pytest.mark.parametrize('index', [0, 1, 2, 3])
def test_neutral_open_mouth_face_has_all_eleven_classes(index):
    s = GEN.sample(index, attributes=NEUTRAL_OPEN, pose=dict(angle=0))
    assert set(np.unique(s.parsing)) == set(range(11))


@pytest.mark.parametrize('index', range(6))
def test_labels_are_pixel_exact_in_the_flat_render(index):
    """Every pixel's colour names its paint layer; that layer's class must be
    the label there (eyeglass frames: the eyeglasses mask instead)."""
    s = GEN.sample(index, attributes=dict(Eyeglasses=index % 2), flat=True)
    palette = s.meta['palette'].astype(np.int64)
    packed = palette @ [1, 256, 65536]
    assert len(set(packed.tolist())) == len(packed)
    order = np.argsort(packed)
    pix = s.image.reshape(-1, 3).astype(np.int64) @ [1, 256, 65536]
    pos = np.clip(np.searchsorted(packed[order], pix), 0, len(packed) - 1)
    assert (packed[order][pos] == pix).all(), 'a colour outside the palette'
    layer = order[pos].reshape(s.parsing.shape)
    cls = np.array(LAYER_CLASSES)[layer]
    frame = cls == OVERLAY
    np.testing.assert_array_equal(cls[~frame], s.parsing[~frame])
    assert s.masks['eyeglasses'][frame].all()
    assert frame.any() == bool(index % 2)
    # The photometric layer changes colours, never labels.
    full = GEN.sample(index, attributes=dict(Eyeglasses=index % 2))
    np.testing.assert_array_equal(full.parsing, s.parsing)
    assert np.abs(full.image.astype(int) - s.image).mean() > 2


def test_mean_colour_of_each_plain_region_is_its_paint_colour():
    s = GEN.sample(4, attributes=PLAIN, flat=True)
    pal = s.meta['palette']
    for cls, layer in ((2, Layer.L_BROW), (3, Layer.R_BROW), (6, None),
                       (7, Layer.UPPER_LIP), (9, Layer.LOWER_LIP),
                       (10, None)):
        region = s.image[s.parsing == cls]
        assert len(region) > 20
        if layer is not None:
            np.testing.assert_array_equal(region.mean(0), pal[layer])
    skin = s.image[(s.parsing == 1) & ~s.masks['l_ear'] & ~s.masks['r_ear']]
    np.testing.assert_array_equal(skin.mean(0), pal[Layer.SKIN])


@pytest.mark.parametrize('index', range(12))
def test_alignment_points_sit_on_their_regions(index):
    s = GEN.sample(index)
    pts, parsing = s.landmarks106, s.parsing
    assert parsing[_pixel(pts, 104)] == 4  # left pupil, left eye
    assert parsing[_pixel(pts, 105)] == 5
    assert parsing[_pixel(pts, 54)] == 6  # nose tip
    for i in (84, 90):  # mouth corners: where the lips (or the gap) meet
        y, x = _pixel(pts, i)
        window = parsing[y - 2:y + 3, x - 2:x + 3]
        assert np.isin(window, [7]).any() and np.isin(window, [8, 9]).any()
        assert parsing[y, x] in (1, 7, 8, 9)
    assert np.array_equal(s.landmarks('5'), pts[[104, 105, 54, 84, 90]])


def test_left_is_image_left_for_an_upright_face():
    s = GEN.sample(2, pose=dict(angle=0))
    pts = s.landmarks106
    assert pts[104, 0] < pts[105, 0] and pts[84, 0] < pts[90, 0]
    assert pts[0, 0] < pts[16, 0] < pts[32, 0]
    ys, xs = np.nonzero(s.parsing == 4)
    yr, xr = np.nonzero(s.parsing == 5)
    assert xs.mean() < xr.mean()
    # Eye centre landmarks sit at the centroid of their eye regions.
    np.testing.assert_allclose(pts[74], (xs.mean(), ys.mean()), atol=1.5)
    np.testing.assert_allclose(pts[83], (xr.mean(), yr.mean()), atol=1.5)


def test_identity_pose_puts_faces_on_farl_mean_face():
    """``Pose(scale=1)`` maps the 512 template canvas onto the image, so
    the five points scatter around FaRL's mean face, scaled to 256."""
    identity = Pose(angle=0, scale=1.0, shift_x=0, shift_y=0, squash=1.0)
    five = np.stack([GEN.sample(i, pose=identity).landmarks('5')
                     for i in range(24)])
    template = MEAN_FACE_512 * 256 / 512
    assert np.abs(five - template).max() < 15
    np.testing.assert_allclose(five.mean(0), template, atol=3)


def test_rotation_moves_landmarks_and_mask_together():
    a = GEN.sample(5, pose=dict(angle=0))
    b = GEN.sample(5, pose=dict(angle=25))
    ma, mb = (np.vstack([s.meta['matrix'], [0, 0, 1]]) for s in (a, b))
    rel = (mb @ np.linalg.inv(ma))[:2]  # image(a) -> image(b)
    moved = a.landmarks106 @ rel[:, :2].T + rel[:, 2]
    np.testing.assert_allclose(b.landmarks106, moved, atol=1e-3)
    # Counter-clockwise on screen: the right eye rises above the left.
    assert b.landmarks106[105, 1] < b.landmarks106[104, 1] - 10
    warped = cv2.warpAffine(a.parsing, rel, (256, 256),
                            flags=cv2.INTER_NEAREST)
    near = np.ones((3, 3), np.uint8)
    for cls in range(1, 11):
        pa, pb = (warped == cls).astype(np.uint8), (b.parsing == cls)
        if pb.sum() < 30:
            continue
        # Resampling only moves borders: every pixel is within a pixel of
        # the same class in the other map, and the centroids agree.
        stray_b = (pb & ~cv2.dilate(pa, near).astype(bool)).mean()
        stray_a = (pa.astype(bool) & ~cv2.dilate(pb.astype(np.uint8), near)
                   .astype(bool)).mean()
        assert stray_a < 0.002 and stray_b < 0.002, LAPA_CLASSES[cls]
        ya, xa = np.nonzero(pa)
        yb, xb = np.nonzero(pb)
        np.testing.assert_allclose([xa.mean(), ya.mean()],
                                   [xb.mean(), yb.mean()], atol=1.5)
    assert b.parsing[_pixel(b.landmarks106, 104)] == 4
    assert b.parsing[_pixel(b.landmarks106, 105)] == 5


def test_bald_means_no_hair_and_glasses_mean_a_glasses_mask():
    bald = GEN.sample(1, attributes=dict(Bald=1))
    assert not (bald.parsing == 10).any()
    assert not any(bald.attributes[n] for n in
                   ('Black_Hair', 'Blond_Hair', 'Brown_Hair', 'Gray_Hair'))
    hairy = GEN.sample(1, attributes=dict(Bald=0, Wearing_Hat=0))
    assert (hairy.parsing == 10).sum() > 500
    glasses = GEN.sample(1, attributes=dict(Eyeglasses=1))
    assert glasses.masks['eyeglasses'].sum() > 200
    assert not GEN.sample(1, attributes=dict(Eyeglasses=0)).masks[
        'eyeglasses'].any()
    # Frames have no LaPa class: the labels under them are unchanged.
    np.testing.assert_array_equal(
        glasses.parsing,
        GEN.sample(1, attributes=dict(Eyeglasses=0)).parsing)
    hat = GEN.sample(1, attributes=dict(Wearing_Hat=1))
    assert hat.masks['hat'].sum() > 500
    assert not hat.masks['hat'][hat.parsing != 0].any()


@pytest.mark.parametrize('name', [n for n in ATTRIBUTE_NAMES
                                  if not n.endswith('_Hair')])
def test_every_attribute_changes_the_picture(name):
    off = GEN.sample(6, attributes=PLAIN, flat=True)
    on = GEN.sample(6, attributes=dict(PLAIN, **{name: 1 - PLAIN[name]}),
                    flat=True)
    assert on.attributes[name] != off.attributes[name]
    changed = (on.image != off.image).any(-1).sum()
    assert changed > 40, f'{name} changed only {changed} pixels'


def test_hair_colours_are_distinct():
    means = []
    for name in ('Black_Hair', 'Blond_Hair', 'Brown_Hair', 'Gray_Hair'):
        s = GEN.sample(6, attributes={**PLAIN, 'Black_Hair': 0, name: 1},
                       flat=True)
        assert s.attributes[name] == 1
        means.append(s.image[s.parsing == 10].mean(0))
    dist = np.linalg.norm(np.subtract.outer(np.array(means), np.array(means))
                          .diagonal(axis1=1, axis2=3), axis=-1)
    assert (dist + np.eye(4) * 1e3 > 40).all()


def test_smiling_raises_the_mouth_corners_and_open_shows_the_mouth():
    plain = GEN.sample(8, attributes=PLAIN, pose=dict(angle=0))
    smile = GEN.sample(8, attributes=dict(PLAIN, Smiling=1),
                       pose=dict(angle=0))

    def corner_lift(s):
        p = s.landmarks106
        return p[[98, 102], 1].mean() - p[[84, 90], 1].mean()

    assert corner_lift(smile) > corner_lift(plain) + 1.5
    assert not (plain.parsing == 8).any()
    opened = GEN.sample(8, attributes=dict(PLAIN, Mouth_Slightly_Open=1))
    assert (opened.parsing == 8).sum() > 20


@pytest.mark.parametrize('size', [64, 512])
def test_other_sizes_keep_the_labels_consistent(size):
    s = SyntheticFaceGenerator(size=size, seed=3).sample(
        0, attributes=NEUTRAL_OPEN, pose=dict(angle=0))
    assert s.image.shape == (size, size, 3)
    assert s.parsing[_pixel(s.landmarks106, 104)] == 4
    assert s.parsing[_pixel(s.landmarks106, 105)] == 5
    assert s.parsing[_pixel(s.landmarks106, 54)] == 6
