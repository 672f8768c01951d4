"""tools/dataset_converters/laion_face_shards.py: folder, CSV and synthetic
sources give the same shard format, read back by LAIONFaceDataset.
Also covers farl_mm.datasets.laion_face_writer (the shard writer) and
farl_mm.synthetic.writers.laion_face (the synthetic source)."""
import csv
import json
import tarfile

import cv2
import numpy as np
import pytest

from farl_mm.datasets import LAIONFaceDataset
from tools.dataset_converters.laion_face_shards import main

FACE = {'box': [10, 12, 50, 60],
        'landmarks': [[20, 30], [40, 30], [30, 40], [22, 50], [38, 50]],
        'score': 0.99}
# RetinaFace's raw row: box, score, then the 5 landmarks' x y
ROW = FACE['box'] + [0.5] + sum(FACE['landmarks'], [])


def write_images(folder, n):
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(n):
        img = np.full((40, 60, 3), 40 * i, np.uint8)
        cv2.imwrite(str(folder / f'img{i}.png'), img)
    return folder


def read_back(out, **kwargs):
    return list(LAIONFaceDataset(None, str(out), shuffle_shards=False,
                                 shuffle_buffer=0, **kwargs))


def test_folder_source(tmp_path):
    src = write_images(tmp_path / 'src', 3)
    for i in range(3):
        (src / f'img{i}.txt').write_text(f'caption {i}\n')
        faces = {'faces': [FACE], 'url': 'u'} if i != 1 else [ROW]
        (src / f'img{i}.json').write_text(json.dumps(faces))
    paths = main(['--folder', str(src), '--out', str(tmp_path / 'out'),
                  '--samples-per-shard', '2'])
    assert [p[-9:] for p in paths] == ['00000.tar', '00001.tar']
    sizes = json.loads((tmp_path / 'out' / 'sizes.json').read_text())
    assert sizes == {'00000.tar': 2, '00001.tar': 1}
    with tarfile.open(paths[0]) as tar:  # image bytes stored unchanged
        assert tar.extractfile('img0.png').read() == \
            (src / 'img0.png').read_bytes()
    samples = read_back(tmp_path / 'out')
    assert [s['text'] for s in samples] == ['caption 0', 'caption 1',
                                            'caption 2']
    assert samples[0]['img'].shape == (40, 60, 3)
    assert samples[2]['img'][0, 0].tolist() == [80, 80, 80]
    np.testing.assert_allclose(samples[1]['faces'][0]['landmarks'],
                               FACE['landmarks'])
    assert samples[1]['faces'][0]['score'] == 0.5
    (src / 'img2.json').unlink()
    with pytest.raises(FileNotFoundError, match=r'img2\.json: missing'):
        main(['--folder', str(src), '--out', str(tmp_path / 'out2')])


def test_csv_source(tmp_path):
    write_images(tmp_path / 'images', 2)
    table = tmp_path / 'list.csv'
    with open(table, 'w', newline='') as f:
        writer = csv.writer(f)
        writer.writerow(['image', 'caption', 'faces'])
        writer.writerow(['images/img0.png', 'a face', json.dumps([FACE])])
        writer.writerow(['images/img1.png', 'another', '[]'])
    main(['--csv', str(table), '--out', str(tmp_path / 'out')])
    samples = read_back(tmp_path / 'out')
    assert [s['sample_idx'] for s in samples] == ['000000000', '000000001']
    assert len(samples[0]['faces']) == 1 and samples[1]['faces'] == []
    with open(table, 'a', newline='') as f:
        csv.writer(f).writerow(['images/img0.png', 'bad', '[{"box": [1]}]'])
    with pytest.raises(ValueError, match='row 4: faces'):
        main(['--csv', str(table), '--out', str(tmp_path / 'out3')])


def test_synthetic_source(tmp_path):
    out = tmp_path / 'out'
    main(['--synthetic', '8', '--samples-per-shard', '4', '--size', '48',
          '--out', str(out)])
    main(['--synthetic', '4', '--first-shard', '2', '--size', '48',
          '--out', str(out)])  # appended: keys and shard numbers go on
    sizes = json.loads((out / 'sizes.json').read_text())
    assert sizes == {'00000.tar': 4, '00001.tar': 4, '00002.tar': 4}
    samples = read_back(out)
    assert [s['sample_idx'] for s in samples] == \
        [f'{i:09d}' for i in range(12)]
    for s in samples:  # one confident face, maybe a faint distractor
        scores = sorted(f['score'] for f in s['faces'])
        assert scores[-1] >= 0.95 and all(x < 0.85 for x in scores[:-1])
        assert s['text'] and s['img'].shape == (48, 48, 3)
    assert any(len(s['faces']) == 2 for s in samples)
