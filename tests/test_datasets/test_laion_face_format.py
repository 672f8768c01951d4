"""farl_mm/datasets/laion_face_format.py: the detections every LAION-Face
reader and writer accepts, normalised to one form (the shards themselves:
tests/test_tools/test_laion_face_shards.py)."""
import pytest

from farl_mm.datasets.laion_face_format import parse_faces

POINTS = [[10, 12], [20, 12], [15, 16], [11, 20], [19, 20]]
FACE = dict(box=[5, 6, 25, 30], landmarks=POINTS, score=0.9)


def test_dict_list_and_retinaface_row_give_the_same_face():
    row = [5, 6, 25, 30, 0.9] + [v for p in POINTS for v in p]
    expected = [dict(box=[5.0, 6.0, 25.0, 30.0],
                     landmarks=[[float(x), float(y)] for x, y in POINTS],
                     score=0.9)]
    assert parse_faces(dict(faces=[FACE], key='k'), 'a.json') == expected
    assert parse_faces([FACE], 'a.json') == expected
    assert parse_faces([row], 'a.json') == expected
    assert parse_faces(dict(key='k'), 'a.json') == []  # no faces


@pytest.mark.parametrize('face, message', [
    ([1, 2, 3], r'a.json: faces\[1\]: a RetinaFace row has 15 numbers'),
    (dict(FACE, landmarks=POINTS[:4]), r'faces\[1\].landmarks: expected 5'),
    (dict(FACE, box=[0, 0, float('nan'), 9]), r'faces\[1\]: .* NaN/inf'),
    (dict(box=[0, 0, 1, 1]), r'faces\[1\]: needs numeric "box"'),
])
def test_errors_name_the_file_and_face(face, message):
    with pytest.raises(ValueError, match=message):
        parse_faces([FACE, face], 'a.json')
