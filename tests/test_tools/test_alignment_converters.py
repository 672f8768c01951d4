"""tools/dataset_converters/{aflw19,300w,wflw}.py on synthetic files laid
out as the official downloads, read back by farl_mm's mmpose datasets.
The files are written by farl_mm.synthetic.writers.aflw19,
farl_mm.synthetic.writers.wflw and farl_mm.synthetic.writers.face300w."""
import json
import os.path as osp
import runpy
import sys
from unittest import mock

import numpy as np
import pytest

from farl_mm.registry import DATASETS
from farl_mm.synthetic import SyntheticFaceGenerator
from farl_mm.synthetic.writers import (write_300w_csv, write_aflw_mat,
                                       write_wflw)
from farl_mm.utils.preflight import MissingInputError

CONVERTERS = osp.join(osp.dirname(osp.dirname(osp.dirname(
    osp.abspath(__file__)))), 'tools', 'dataset_converters')
SIZE = 64


def convert(name, *args):
    script = osp.join(CONVERTERS, name)
    with mock.patch.object(sys, 'argv', [script, *map(str, args)]):
        runpy.run_path(script, run_name='__main__')


def load(path):
    with open(path) as f:
        return json.load(f)


def face(index, layout):
    return SyntheticFaceGenerator(size=SIZE).sample(index).landmarks(layout)


def test_aflw19(tmp_path):
    arrays = write_aflw_mat(tmp_path, 7, size=SIZE)
    out = tmp_path / 'annotations'
    convert('aflw19.py', tmp_path / 'AFLWinfo_release.mat',
            tmp_path / 'flickr', out, '--num-train', 4)
    train = load(out / 'face_landmarks_aflw19_train.json')
    test = load(out / 'face_landmarks_aflw19_test.json')
    order = arrays['ra'][0] - 1  # MATLAB's 1-based permutation
    names = [str(n) for n in arrays['nameList'][:, 0]]
    assert [i['file_name'] for i in train['images']] == [
        names[i] for i in order[:4]]
    assert [i['file_name'] for i in test['images']] == [
        names[i] for i in order[4:]]
    for img, ann in zip(test['images'], test['annotations']):
        index = names.index(img['file_name'])
        kpts = np.reshape(ann['keypoints'], (19, 3))
        np.testing.assert_allclose(kpts[:, :2], face(index, 'aflw'),
                                   atol=1e-3)
        assert (kpts[:, 2] == 2).all()  # all 19 scored
        # every third face has its chin hidden: not frontal
        assert ann['subsets'] == ([] if index % 3 == 0 else ['frontal'])
        left, right, top, bottom = arrays['bbox'][index]
        np.testing.assert_allclose(ann['bbox'],
                                   [left, top, right - left, bottom - top])
        assert (img['width'], img['height']) == (SIZE, SIZE)

    dataset = DATASETS.build(dict(
        type='farl_mm.FaRLAFLW19Dataset', data_root=str(tmp_path),
        ann_file='annotations/face_landmarks_aflw19_test.json',
        data_prefix=dict(img='flickr/'), test_mode=True, pipeline=[]))
    info = dataset[0]
    assert info['raw_ann_info']['subsets'] == test['annotations'][0][
        'subsets']
    assert osp.isfile(info['img_path'])


def test_wflw(tmp_path):
    write_wflw(tmp_path, 2, 6, size=SIZE)
    out = tmp_path / 'annotations'
    convert('wflw.py', tmp_path / 'WFLW_annotations' /
            'list_98pt_rect_attr_train_test', tmp_path / 'WFLW_images', out)
    test = load(out / 'face_landmarks_wflw_test.json')
    assert len(load(out / 'face_landmarks_wflw_train.json')['images']) == 2
    subsets = [a['subsets'] for a in test['annotations']]
    # attribute j is set on test faces i with i % (j + 2) == 0
    assert subsets[0] == ['pose', 'expression', 'illumination', 'makeup',
                          'occlusion', 'blur']
    assert subsets[1] == []
    assert subsets[3] == ['expression']
    assert subsets[4] == ['pose', 'illumination']
    kpts = np.reshape(test['annotations'][1]['keypoints'], (98, 3))
    np.testing.assert_allclose(kpts[:, :2], face(3, 'wflw'), atol=1e-3)


def test_300w(tmp_path):
    write_300w_csv(tmp_path, 2, 3, 2, num_official=1, size=SIZE)
    out = tmp_path / 'annotations'
    convert('300w.py', tmp_path, tmp_path / 'images', out)
    test = load(out / 'face_landmarks_300w_test.json')
    assert [a['subsets'] for a in test['annotations']] == [['common']] * 3 \
        + [['challenge']] * 2
    assert len(load(out / 'face_landmarks_300w_test_official.json')[
        'images']) == 1
    ann, index = test['annotations'][0], 2  # first common face
    np.testing.assert_allclose(np.reshape(ann['keypoints'], (68, 3))[:, :2],
                               face(index, '300w'), atol=1e-3)
    box = SyntheticFaceGenerator(size=SIZE).sample(index).box
    side = max(box[2] - box[0], box[3] - box[1])  # HRNet's square box
    assert ann['scale'] == pytest.approx(side / 200, abs=1e-5)
    np.testing.assert_allclose(ann['center'], [(box[0] + box[2]) / 2,
                                               (box[1] + box[3]) / 2],
                               atol=1e-3)


def test_missing_annotation_names_path_and_command(tmp_path):
    with pytest.raises(MissingInputError) as err:
        DATASETS.build(dict(
            type='farl_mm.FaRLWFLWDataset', data_root=str(tmp_path),
            ann_file='annotations/missing.json', pipeline=[],
            prepare='python tools/dataset_converters/wflw.py A B C'))
    assert str(tmp_path / 'annotations' / 'missing.json') in str(err.value)
    assert 'python tools/dataset_converters/wflw.py A B C' in str(err.value)


def test_bad_list_entries_name_file_and_line(tmp_path):
    from farl_mm.datasets.alignment_formats import (read_hrnet_csv,
                                                    read_wflw_txt)
    empty = tmp_path / 'empty.csv'
    empty.write_text('')
    with pytest.raises(ValueError, match='empty.csv: header'):
        read_hrnet_csv(str(empty))
    bad_csv = tmp_path / 'bad.csv'
    bad_csv.write_text('image_name,scale,center_w,center_h,x,y\n'
                       'a.jpg,1,2,3,4,5\nb.jpg,1,2,x,4,5\n')
    with pytest.raises(ValueError, match=r'bad\.csv:3: could not convert'):
        read_hrnet_csv(str(bad_csv))
    bad_txt = tmp_path / 'bad.txt'
    bad_txt.write_text(' '.join(['1'] * 205 + ['?', 'a.jpg']) + '\n')
    with pytest.raises(ValueError, match=r'bad\.txt:1: could not convert'):
        read_wflw_txt(str(bad_txt))


def test_300w_split_without_faces_converts_to_an_empty_json(tmp_path):
    write_300w_csv(tmp_path, 2, 0, 0, size=SIZE)
    out = tmp_path / 'annotations'
    convert('300w.py', tmp_path, tmp_path / 'images', out)
    assert len(load(out / 'face_landmarks_300w_train.json')['images']) == 2
    assert load(out / 'face_landmarks_300w_test.json')['images'] == []
    assert not (out / 'face_landmarks_300w_test_official.json').exists()
