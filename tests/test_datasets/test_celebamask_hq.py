import numpy as np
import pytest

from farl_mm.datasets import CelebAMaskHQDataset
from farl_mm.datasets.celebamask_hq import (CELEBAMASK_PARTS,
                                            merge_part_masks,
                                            read_celebamask_splits)


def test_classes_follow_the_merge_order():
    classes = CelebAMaskHQDataset.METAINFO['classes']
    assert len(classes) == 19 and classes[0] == 'background'
    assert classes[1:] == CELEBAMASK_PARTS
    # flips trade ears, brows and eyes
    names = [(classes[a], classes[b])
             for a, b in CelebAMaskHQDataset.METAINFO['flip_pairs']]
    assert names == [('l_ear', 'r_ear'), ('l_brow', 'r_brow'),
                     ('l_eye', 'r_eye')]


def test_later_parts_overwrite_earlier_ones():
    skin = np.zeros((3, 4), bool)
    skin[:, :3] = True
    eye = np.zeros((3, 4), bool)
    eye[1, 1:] = True          # on skin and on background
    glasses = np.zeros((3, 4), bool)
    glasses[1, 2] = True       # eye_g comes after l_eye
    label = merge_part_masks(dict(eye_g=glasses, l_eye=eye, skin=skin),
                             (3, 4))
    np.testing.assert_array_equal(label, [[2, 2, 2, 0],
                                          [2, 8, 15, 8],
                                          [2, 2, 2, 0]])
    with pytest.raises(KeyError, match='nose_tip'):
        merge_part_masks(dict(nose_tip=skin), (3, 4))


def test_splits_come_through_the_celeba_mapping(tmp_path):
    mapping = tmp_path / 'map.txt'
    mapping.write_text('idx orig_idx orig_file\n0 9 000010.jpg\n'
                       '1 2 000003.jpg\n2 5 000006.jpg\n')
    partition = tmp_path / 'part.txt'
    partition.write_text('000003.jpg 0\n000006.jpg 2\n000007.jpg 0\n'
                         '000010.jpg 1\n')
    assert read_celebamask_splits(str(mapping), str(partition)) == {
        0: 'val', 1: 'train', 2: 'test'}
    partition.write_text('000003.jpg 0\n')
    with pytest.raises(KeyError, match='000010.jpg'):
        read_celebamask_splits(str(mapping), str(partition))
