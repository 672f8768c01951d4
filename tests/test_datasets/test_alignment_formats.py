"""farl_mm/datasets/alignment_formats.py: the COCO-style record of a face
(the readers of the official files: tests/test_tools/
test_alignment_converters.py)."""
import numpy as np
import pytest

from farl_mm.datasets.alignment_formats import (FaceRecord,
                                                converter_parser, to_coco)


def test_to_coco_by_hand():
    # box x 10..50, y 20..100: 40 x 80, centre (30, 60)
    rec = FaceRecord('a/b.jpg', np.array([[11.0, 22.0], [33.33333, 44.0]]),
                     np.array([True, False]), np.array([10, 20, 50, 100]),
                     ('challenge', ))
    coco = to_coco([rec], {'a/b.jpg': (64, 128)}, box_scale=1.25)
    assert coco['images'] == [dict(id=0, file_name='a/b.jpg', width=64,
                                   height=128)]
    ann, = coco['annotations']
    assert ann['bbox'] == [10.0, 20.0, 40.0, 80.0]
    assert ann['area'] == 3200.0
    assert ann['box_size'] == pytest.approx(np.sqrt(3200))
    assert ann['center'] == [30.0, 60.0]
    assert ann['scale'] == pytest.approx(1.25 * 80 / 200)  # mmpose's unit
    # x, y, visibility 2 / 0, rounded to 4 decimals
    assert ann['keypoints'] == [11.0, 22.0, 2.0, 33.3333, 44.0, 0.0]
    assert ann['num_keypoints'] == 1 and ann['subsets'] == ['challenge']


def test_converter_command_line():
    parser = converter_parser('WFLW -> json.\n\nmore', 'ann_dir', 'lists',
                              'images')
    args = parser.parse_args(['A', 'I', 'O', '--box-scale', '1.25'])
    assert (args.ann_dir, args.image_root, args.out_dir, args.box_scale) \
        == ('A', 'I', 'O', 1.25)
    assert parser.parse_args(['A', 'I', 'O']).box_scale == 1.0
    assert parser.description == 'WFLW -> json.'
