"""farl_mm.datasets.transforms.loading: LaPa's 106 points to the five
``face_points`` FaceAlignWarp aligns by."""
import numpy as np
import pytest

from farl_mm.datasets.landmark_files import write_landmarks_txt
from farl_mm.synthetic import SyntheticFaceGenerator
from farl_mm.datasets.transforms import LoadFaceLandmarks


@pytest.fixture(scope='module')
def face():
    return SyntheticFaceGenerator(size=96, seed=0).sample(5)


def test_load_face_landmarks_picks_lapa_five(tmp_path, face):
    path = tmp_path / 'a.txt'
    write_landmarks_txt(str(path), face.landmarks106)
    out = LoadFaceLandmarks()(dict(landmark_path=str(path)))
    np.testing.assert_allclose(out['face_points'], face.landmarks('5'),
                               atol=1e-4)
    write_landmarks_txt(str(path), face.landmarks106[:68])
    with pytest.raises(ValueError, match='a.txt: 68 landmarks'):
        LoadFaceLandmarks()(dict(landmark_path=str(path)))
