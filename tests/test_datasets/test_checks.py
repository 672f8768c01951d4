"""farl_mm.datasets.checks: the thresholds on hand-made points, the spread
against an SVD, label ranges, and the transforms that refuse bad
landmarks by name."""
import numpy as np
import pytest

from farl_mm.datasets.checks import (DatasetProblems, Problem,
                                     alignment_problems,
                                     label_value_problems, landmark_problems,
                                     spread_and_thickness)
from farl_mm.datasets.transforms import FaceAlignWarp
from farl_mm.geometry import MEAN_FACE_512, AlignmentError


def test_spread_and_thickness_match_an_svd():
    points = np.random.default_rng(0).normal(size=(50, 5, 2)) * \
        [[[30.0, 3.0]]]
    spread, thickness = spread_and_thickness(points)
    centred = points - points.mean(axis=1, keepdims=True)
    sv = np.linalg.svd(centred, compute_uv=False)  # (50, 2), descending
    np.testing.assert_allclose(spread, np.sqrt((sv**2).sum(1) / 5))
    np.testing.assert_allclose(thickness, sv[:, 1] / sv[:, 0])
    # the mean face: std 60.17 px along x, 44.25 px along y (by hand)
    spread, thickness = spread_and_thickness(MEAN_FACE_512)
    assert spread == pytest.approx(np.hypot(60.1745, 44.2538), abs=1e-3)
    assert thickness == pytest.approx(44.2538 / 60.1745, abs=1e-4)


def test_alignment_problems_thresholds():
    face = MEAN_FACE_512 / 10  # a 51 px face: fine, at any rotation
    turn = np.array([[0.0, -1.0], [1.0, 0.0]])
    assert alignment_problems('f', face) == []
    assert alignment_problems('f', face @ turn.T + 100) == []
    # spread of the mean face x 0.025 = 1.87 px < 2 px: coincident
    tiny = MEAN_FACE_512 * 0.025
    (problem, ) = alignment_problems('f', tiny)
    assert problem.check == 'degenerate alignment'
    assert 'coincident: spread 1.87 px' in problem.message
    assert alignment_problems('f', MEAN_FACE_512 * 0.03) == []  # 2.24 px
    # on a line, then 1% of the length off it: still collinear; 5% is not
    line = np.stack([np.linspace(0, 40, 5), np.zeros(5)], 1)
    for off, bad in ((0.0, True), (0.01, True), (0.05, False)):
        pts = line + [[0, 0], [0, 40 * off], [0, 0], [0, -40 * off], [0, 0]]
        assert bool(alignment_problems('f', pts)) == bad, off
    nan = face.copy()
    nan[2, 1] = np.inf
    assert [p.check for p in alignment_problems('f', nan, line=7)] == [
        'landmark values']
    assert str(alignment_problems('f', face[:4])[0]) == \
        'f: 4 landmarks, expected 5'


def test_landmark_and_label_problems_name_file_and_line():
    (problem, ) = landmark_problems('list.txt', np.full((3, 2), np.nan), 3,
                                    line=12)
    assert str(problem) == 'list.txt:12: 3 landmark(s) NaN or inf, e.g. ' \
        'point 0'
    label = np.array([[0, 10, 255], [3, 3, 3]], np.uint8)
    assert label_value_problems('a.png', label, 11) == []
    (problem, ) = label_value_problems('a.png', label, 10)
    assert str(problem) == ('a.png: label values 10 outside 0..9 (and the '
                            'ignore index 255)')
    # reduce_zero_label: file values 1..C are the classes
    assert label_value_problems('a.png', label, 10, True) == []


def test_dataset_problems_summarise_and_list():
    problems = [Problem('missing file', f'{i}.jpg', 'missing')
                for i in range(12)] + [Problem('label size', 'x.png', 'no')]
    err = DatasetProblems('LaPaDataset', problems, shown=3)
    assert isinstance(err, ValueError) and err.problems == problems
    text = str(err)
    assert text.startswith('LaPaDataset: 13 problem(s) (missing file: 12, '
                           'label size: 1)')
    assert text.endswith('0.jpg: missing\n  1.jpg: missing\n  2.jpg: '
                         'missing\n  ... and 10 more')


def test_face_align_warp_refuses_degenerate_points():
    img = np.zeros((64, 64, 3), np.uint8)
    align = FaceAlignWarp(size=32, alpha=0.0)
    out = align(dict(img=img, img_path='ok.jpg',
                     face_points=MEAN_FACE_512 / 8))
    assert out['img'].shape == (32, 32, 3)
    with pytest.raises(DatasetProblems, match=r'bad.jpg: the 5 alignment '
                       r'points are \(nearly\) coincident'):
        align(dict(img=img, img_path='bad.jpg',
                   face_points=np.full((5, 2), 20.0)))


def test_alignment_transforms_name_the_file_of_unalignable_points():
    """Points that pass the list checks but not the alignment (off the
    photo, 1e20 px) raise AlignmentError naming the sample's file."""
    img = np.zeros((64, 64, 3), np.uint8)
    off_photo = MEAN_FACE_512 / 8 + [70, 0]
    with pytest.raises(AlignmentError, match=r'^off.jpg: all 5 points '
                       r'outside the 64x64 image') as err:
        FaceAlignWarp(size=32, alpha=0.0)(dict(img=img, img_path='off.jpg',
                                               face_points=off_photo))
    assert err.value.reason == 'outside_image'
    with pytest.raises(AlignmentError, match=r'^far.jpg: landmarks up to '
                       r'3.6e\+21 px far outside the 64x64 image'):
        FaceAlignWarp(size=32)(dict(img=img, img_path='far.jpg',
                                    face_points=MEAN_FACE_512 * 1e19))


def test_alignment_lists_refuse_nan_by_line(tmp_path):
    from farl_mm.datasets.alignment_formats import (read_hrnet_csv,
                                                    read_wflw_txt)
    csv = tmp_path / 'list.csv'
    csv.write_text('image_name,scale,center_w,center_h,x,y\n'
                   'a.jpg,1,2,3,4,5\nb.jpg,1,2,3,nan,5\n')
    with pytest.raises(ValueError, match=r'list\.csv:3: NaN or inf in '
                       'field 3'):
        read_hrnet_csv(str(csv))
    txt = tmp_path / 'list.txt'
    txt.write_text(' '.join(['1'] * 10 + ['inf'] + ['1'] * 195 + ['a.jpg'])
                   + '\n')
    with pytest.raises(ValueError, match=r'list\.txt:1: NaN or inf in '
                       'field 10'):
        read_wflw_txt(str(txt))
