"""farl_mm/geometry/landmark_layouts.py: the LaPa-106 layout and its maps
to 300W/WFLW/AFLW, checked against mmpose's flip metadata (an independent
statement of each layout) and against the drawn geometry."""
import os.path as osp
import runpy
from dataclasses import replace

import mmpose
import numpy as np
import pytest

from farl_mm.geometry import (LAPA106_TO_5, LAPA106_TO_300W68,
                              LAPA106_TO_AFLW19, LAPA106_TO_WFLW98)
from farl_mm.synthetic import SyntheticFaceGenerator
from farl_mm.synthetic.attributes import normalise_attributes
from farl_mm.synthetic.features import build_features
from farl_mm.synthetic.head import Outline
from farl_mm.synthetic.params import sample_params

META = osp.join(osp.dirname(mmpose.__file__), '.mim', 'configs', '_base_',
                'datasets')
MAPS = {'lapa': tuple(range(106)), '300w': LAPA106_TO_300W68,
        'wflw': LAPA106_TO_WFLW98, 'aflw': LAPA106_TO_AFLW19}


def _flip_index(name):
    """``i -> index of its mirror point`` from mmpose's dataset metadata."""
    info = runpy.run_path(osp.join(META, f'{name}.py'))['dataset_info']
    kpts = info['keypoint_info']
    by_name = {v['name']: k for k, v in kpts.items()}
    return [by_name[kpts[i]['swap']] if kpts[i]['swap'] else i
            for i in range(len(kpts))]


def test_map_lengths_and_range():
    assert (len(LAPA106_TO_300W68), len(LAPA106_TO_WFLW98),
            len(LAPA106_TO_AFLW19), len(LAPA106_TO_5)) == (68, 98, 19, 5)
    for m in MAPS.values():
        assert all(0 <= i < 106 for i in m)
        assert len(set(m)) == len(m)


@pytest.mark.parametrize('name', ['300w', 'wflw', 'aflw'])
def test_maps_commute_with_horizontal_flip(name):
    """Mirroring then mapping equals mapping then mirroring: the map puts
    every point on the same side and in the same role as the target."""
    lapa, other, m = _flip_index('lapa'), _flip_index(name), MAPS[name]
    assert [lapa[m[k]] for k in range(len(m))] == [m[other[k]]
                                                   for k in range(len(m))]


def test_symmetric_face_is_mirror_symmetric_under_lapa_flip_pairs():
    """A face drawn without yaw or sideways gaze is symmetric about x=256;
    its 106 points must then swap exactly as mmpose's LaPa metadata says."""
    p = replace(sample_params(np.random.default_rng(0)), yaw=0.0, gaze_x=0.0)
    attrs = normalise_attributes(dict(Smiling=1, Mouth_Slightly_Open=1))
    pts = build_features(p, attrs)['points']
    pts[:33] = Outline(p, male=False).jaw()
    mirrored = np.stack([512 - pts[:, 0], pts[:, 1]], 1)
    np.testing.assert_allclose(mirrored[_flip_index('lapa')], pts, atol=1e-6)


def test_layout_semantics_on_an_upright_face():
    s = SyntheticFaceGenerator(256, seed=0).sample(
        3, attributes=dict(Mouth_Slightly_Open=1), pose=dict(angle=0))
    p = s.landmarks106
    jaw, brows, eyes = p[:33], p[33:51], p[66:84]
    assert (np.diff(jaw[::4, 0]) > 0).all()  # jaw runs left to right
    assert jaw[16, 1] == jaw[:, 1].max()  # 16 is the chin
    assert brows[:, 1].max() < eyes[:, 1].min()
    assert eyes[:, 1].max() < p[54, 1] < p[84:104, 1].min()
    assert p[[51, 52, 53, 54], 1].tolist() == sorted(p[[51, 52, 53, 54], 1])
    w68 = s.landmarks('300w')
    eye68 = w68[36:48]
    assert w68[36, 0] == eye68[:, 0].min() and w68[45, 0] == eye68[:, 0].max()
    np.testing.assert_array_equal(w68[[30, 48, 54]], p[[54, 84, 90]])
    w98 = s.landmarks('wflw')
    eye98 = w98[60:76]
    assert w98[60, 0] == eye98[:, 0].min() and w98[72, 0] == eye98[:, 0].max()
    np.testing.assert_array_equal(w98[[96, 97, 54]], p[[104, 105, 54]])
    a19 = s.landmarks('aflw')
    assert a19[18, 1] == a19[:, 1].max()  # chin lowest
    assert (a19[:6, 1].max() < a19[6:12, 1].min())  # brows above eyes
