"""farl_mm.synthetic.writers.lapa: LaPa's layout round-trips (the CLI:
tests/test_tools/test_make_synthetic_faces.py)."""
import cv2
import numpy as np

from farl_mm.datasets.landmark_files import read_landmarks_txt
from farl_mm.synthetic import SyntheticFaceGenerator
from farl_mm.synthetic.writers import write_lapa


def test_write_lapa_round_trip(tmp_path):
    names = write_lapa(str(tmp_path), 'val', 3, seed=2, size=64, start=5)
    assert names == ['synth_000005', 'synth_000006', 'synth_000007']
    gen = SyntheticFaceGenerator(size=64, seed=2)
    for index, name in zip(range(5, 8), names):
        s = gen.sample(index)
        img = cv2.imread(str(tmp_path / 'val' / 'images' / f'{name}.jpg'))
        assert img.shape == (64, 64, 3)
        assert np.abs(img.astype(int) - s.image).mean() < 6  # JPEG q95
        np.testing.assert_allclose(img.mean((0, 1)), s.image.mean((0, 1)),
                                   atol=1.5)  # same channel order (BGR)
        label = cv2.imread(str(tmp_path / 'val' / 'labels' / f'{name}.png'),
                           cv2.IMREAD_UNCHANGED)
        assert label.dtype == np.uint8 and label.shape == (64, 64)
        assert label.max() < 11
        np.testing.assert_array_equal(label, s.parsing)
        txt = tmp_path / 'val' / 'landmarks' / f'{name}.txt'
        assert txt.read_text().splitlines()[0] == '106'
        np.testing.assert_allclose(read_landmarks_txt(str(txt)),
                                   s.landmarks106, atol=1e-3)

