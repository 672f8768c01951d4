import numpy as np
import pytest

from farl_mm.geometry import (ALIGNMENT_REASONS, MEAN_FACE_512, AlignmentError,
                              align_matrix, estimate_similarity, jitter_matrix,
                              mean_face_points)


def test_mean_face_points_follow_the_reference_formula():
    # (p / 256 - 1) * s + 1) * [w - 1, h - 1] / 2, here for w=224, h=448
    pts = mean_face_points((224, 448), scale=0.5)
    left_eye = ((196 / 256 - 1) * 0.5 + 1) * np.array([223, 447]) / 2 * [1, 0]
    assert pts[0, 0] == pytest.approx(left_eye[0])
    assert pts[0, 1] == pytest.approx(((226 / 256 - 1) * 0.5 + 1) * 447 / 2)
    np.testing.assert_allclose(mean_face_points(512),
                               MEAN_FACE_512 * 511 / 512)


def test_similarity_recovers_a_known_transform_exactly():
    rng = np.random.default_rng(0)
    src = rng.uniform(0, 300, (5, 2))
    angle, scale, t = np.deg2rad(23.0), 0.7, np.array([12.5, -40.0])
    rot = scale * np.array([[np.cos(angle), -np.sin(angle)],
                            [np.sin(angle), np.cos(angle)]])
    mat = estimate_similarity(src, src @ rot.T + t)
    np.testing.assert_allclose(mat[:2, :2], rot, atol=1e-10)
    np.testing.assert_allclose(mat[:2, 2], t, atol=1e-8)


def test_similarity_is_the_least_squares_fit_against_umeyama():
    rng = np.random.default_rng(1)
    src, dst = rng.normal(size=(5, 2)), rng.normal(size=(5, 2))
    # Umeyama (1991), written independently with an SVD
    mu_s, mu_d = src.mean(0), dst.mean(0)
    cov = (dst - mu_d).T @ (src - mu_s) / len(src)
    u, d, vt = np.linalg.svd(cov)
    sign = np.diag([1.0, np.sign(np.linalg.det(u @ vt))])
    rot = u @ sign @ vt
    c = np.trace(np.diag(d) @ sign) / ((src - mu_s) ** 2).sum(1).mean()
    mat = estimate_similarity(src, dst)
    np.testing.assert_allclose(mat[:2, :2], c * rot, atol=1e-10)
    np.testing.assert_allclose(mat[:2, 2], mu_d - c * rot @ mu_s, atol=1e-10)


def test_align_matrix_maps_the_template_onto_itself():
    mat = align_matrix(MEAN_FACE_512, 512)
    np.testing.assert_allclose(mat[:2, :2], np.eye(2) * 511 / 512, atol=1e-10)


@pytest.mark.parametrize('points', [np.zeros((5, 2)), np.ones((4, 2)),
                                    np.full((5, 2), np.nan)])
def test_degenerate_landmarks_are_refused(points):
    with pytest.raises(ValueError):
        align_matrix(points, 224)


def test_jitter_turns_about_the_canvas_centre():
    mat = jitter_matrix(224, angle_deg=90, scale=1.0, shift_xy=(2, 3))
    centre = np.array([111.5, 111.5, 1.0])
    np.testing.assert_allclose(mat @ centre, [113.5, 114.5, 1.0])
    # counter-clockwise on screen (y points down): +x goes to -y
    np.testing.assert_allclose(mat[:2, :2] @ [1, 0], [0, -1], atol=1e-12)


FACE_64 = MEAN_FACE_512 / 8  # a 64 px face, inside a 64 x 64 image
LINE = np.stack([np.linspace(10, 50, 5), np.full(5, 30.0)], 1)


@pytest.mark.parametrize('points, image_size, reason, message', [
    (np.full((5, 2), np.nan), None, 'non_finite', 'NaN or inf'),
    (FACE_64[:4], None, 'bad_shape', 'expected 5 landmarks'),
    (FACE_64 * 1e20, None, 'absurd_scale', 'scales by 4.84e-21'),
    (FACE_64 * 1e20, (64, 64), 'outside_image', 'far outside the 64x64'),
    (FACE_64 * 1e30, (64, 64), 'outside_image', 'far outside the 64x64'),
    (FACE_64 + [70, 0], (64, 64), 'outside_image', 'all 5 points outside'),
    (np.full((5, 2), 20.0), None, 'degenerate', 'coincident'),
    (LINE, (64, 64), 'degenerate', 'collinear'),
])
def test_alignment_failures_name_their_reason(points, image_size, reason,
                                              message):
    with pytest.raises(AlignmentError, match=message) as err:
        align_matrix(points, 32, image_size=image_size, where='a.jpg#face0')
    assert err.value.reason == reason and reason in ALIGNMENT_REASONS
    assert isinstance(err.value, ValueError)  # callers catch ValueError
    assert str(err.value).startswith('a.jpg#face0: ')


def test_faces_at_the_border_still_align():
    """Part of a face outside the image is a face cut by the border."""
    half_out = FACE_64 - [30, 0]  # the left eye and mouth corner at x < 0
    mat = align_matrix(half_out, 64, image_size=(64, 64))
    np.testing.assert_allclose(mat[:2, :2], np.eye(2) * 63 / 64, atol=1e-9)
