"""farl_mm.datasets.transforms.face_align_warp: FaceAlignWarp's options
for the authors' released models: a top-down box as the face, facer's
pixel convention kept with the sample, the CelebA-HQ crop and a
template."""
import numpy as np
import pytest

import farl_mm  # noqa: F401
from farl_mm.datasets.transforms import FaceAlignWarp
from farl_mm.geometry import FaceWarp

POINTS = np.array([[30.0, 40.0], [60.0, 40.0], [45.0, 55.0], [33.0, 70.0],
                   [57.0, 70.0]])


def _run(**kwargs):
    img = np.full((80, 120, 3), 128, np.uint8)
    results = dict(img=img, **kwargs.pop('results', {}))
    return FaceAlignWarp(size=100, warp_labels=False, **kwargs)(results)


def test_a_box_grown_by_the_face_scale_fills_the_canvas():
    out = _run(alpha=0.0, face_scale=0.8,
               results=dict(bbox=np.array([[10.0, 20.0, 50.0, 60.0]])))
    warp = FaceWarp(**out['face_warp'])
    # side 40 / 0.8 = 50 about the centre (30, 40): edges 5 and 55
    np.testing.assert_allclose(
        warp.forward_points([[30.0, 40.0], [5.0, 15.0], [55.0, 65.0]]),
        [[49.5, 49.5], [-0.5, -0.5], [99.5, 99.5]], atol=1e-9)
    assert out['img'].shape == (100, 100, 3)


@pytest.mark.parametrize('align_corners', [True, False])
def test_the_pixel_convention_travels_with_the_sample(align_corners):
    out = _run(alpha=0.8, align_corners=align_corners,
               results=dict(face_points=POINTS))
    assert out['face_warp']['align_corners'] is align_corners
    warp = FaceWarp(**out['face_warp'])
    back = warp.inverse_points(warp.forward_points(POINTS))
    np.testing.assert_allclose(back, POINTS, atol=1e-6)


def test_the_whole_image_edge_to_edge_in_facers_convention():
    out = _run(alpha=0.0, align_corners=False)
    warp = FaceWarp(**out['face_warp'])
    # the image's edges (-0.5, w - 0.5) onto the canvas's (-0.5, 99.5)
    np.testing.assert_allclose(
        warp.forward_points([[-0.5, -0.5], [119.5, 79.5]]),
        [[-0.5, -0.5], [99.5, 99.5]], atol=1e-9)


def test_crops_and_templates():
    celebahq = _run(alpha=0.0, crop='celebahq', align_corners=False,
                    results=dict(face_points=POINTS))
    mean_face = _run(alpha=0.0, align_corners=False,
                     results=dict(face_points=POINTS))
    assert not np.allclose(celebahq['face_warp']['matrix'],
                           mean_face['face_warp']['matrix'])
    template = POINTS * 1.5 - 10
    out = _run(alpha=0.0, template=template.tolist(),
               results=dict(face_points=POINTS))
    np.testing.assert_allclose(
        FaceWarp(**out['face_warp']).forward_points(POINTS), template,
        atol=1e-9)
    with pytest.raises(ValueError, match='template aligns by similarity'):
        _run(crop='celebahq', template=template.tolist(),
             results=dict(face_points=POINTS))
