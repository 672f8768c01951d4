"""The released models' alignments and pixel convention against the
authors' own functions (pyfacer's facer/transform.py)."""
import numpy as np
import pytest
import torch

from farl_mm.geometry import FaceWarp
from farl_mm.geometry.alignment_targets import (celebahq_crop_matrix,
                                                edges_to_centres, face_matrix)

transform = pytest.importorskip('facer.transform',
                                reason='pyfacer (requirements/tests.txt)')
POINTS = np.array([[180.2, 110.3], [240.7, 105.1], [215.4, 150.2],
                   [190.3, 180.6], [235.1, 178.2]])


def test_celebahq_crop_is_theirs():
    theirs = transform.get_face_align_matrix_celebm(
        torch.from_numpy(POINTS)[None], target_shape=(448, 448))[0]
    np.testing.assert_allclose(celebahq_crop_matrix(POINTS, 448),
                               theirs.double().numpy(), atol=1e-4)


@pytest.mark.parametrize('alpha', [0.0, 0.8])
def test_edge_convention_maps_points_as_theirs(alpha):
    """facer: pixel i spans [i, i + 1]; farl_mm's matrix and points put its
    centre at i: the same map, half a pixel apart at both ends."""
    matrix = transform.get_face_align_matrix(
        torch.from_numpy(POINTS).float()[None], target_shape=(448, 448),
        target_face_scale=0.8).double()
    probe = torch.tensor([[[5.0, 7.0], [200.0, 120.0], [500.0, 30.0]]],
                         dtype=torch.float64)
    theirs = transform.tanh_warp_transform(probe, matrix, alpha, (448, 448))
    ours = face_matrix(POINTS, 448, 0.8, align_corners=False)
    np.testing.assert_allclose(ours, edges_to_centres(matrix[0].numpy()),
                               atol=1e-4)
    warp = FaceWarp(ours, 448, alpha, align_corners=False)
    mapped = warp.forward_points(probe[0].numpy() - 0.5) + 0.5
    np.testing.assert_allclose(mapped, theirs[0].numpy(), atol=1e-3)
    back = warp.inverse_points(mapped - 0.5) + 0.5
    np.testing.assert_allclose(back, probe[0].numpy(), atol=1e-3)


def test_template_is_a_similarity_onto_it():
    template = np.array([[93.1, 106.5], [130.4, 105.9], [111.8, 129.5],
                         [95.3, 146.4], [129.6, 145.8]])
    matrix = face_matrix(template * 2 + 10, 224, template=template)
    mapped = (template * 2 + 10) @ matrix[:2, :2].T + matrix[:2, 2]
    np.testing.assert_allclose(mapped, template, atol=1e-9)
