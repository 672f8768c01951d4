"""LaPa's landmark files: what LaPa ships reads back exactly; a damaged
file names itself."""
import numpy as np
import pytest

from farl_mm.datasets.landmark_files import (read_landmarks_txt,
                                             write_landmarks_txt)


def test_reads_lapa_layout_and_round_trips(tmp_path):
    path = tmp_path / 'a.txt'
    path.write_text('3\n10.5 20.25\n0 1\n-3.125 4e2\n')
    expected = np.array([[10.5, 20.25], [0, 1], [-3.125, 400]], np.float32)
    points = read_landmarks_txt(str(path))
    assert points.dtype == np.float32
    np.testing.assert_array_equal(points, expected)
    write_landmarks_txt(str(tmp_path / 'b.txt'), expected)
    assert (tmp_path / 'b.txt').read_text().splitlines()[:2] == [
        '3', '10.5000 20.2500']
    np.testing.assert_array_equal(
        read_landmarks_txt(str(tmp_path / 'b.txt')), expected)


@pytest.mark.parametrize('text,match', [
    ('10.5 20.25\n0 1\n', 'number of points'),
    ('3\n10.5 20.25\n0 1\n', r'expected 3 lines'),
])
def test_damaged_file_names_itself(tmp_path, text, match):
    path = tmp_path / 'bad.txt'
    path.write_text(text)
    with pytest.raises(ValueError, match=match) as err:
        read_landmarks_txt(str(path))
    assert str(path) in str(err.value)
