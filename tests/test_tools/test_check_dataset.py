"""tools/misc/check_dataset.py and the datasets' load-time errors, on
synthetic LaPa / AFLW-19 / CelebA / FairFace files and corrupted copies:
each kind of problem is reported naming its file (and line), clean data
passes, and the datasets stop with the same message. Also covers
farl_mm.datasets.laion_face_checks (the shards' problems by name)."""
import json
import os
import os.path as osp
import re
import shutil
from unittest import mock

import cv2
import numpy as np
import pytest

from farl_mm.datasets import (CelebADataset, FaRLAFLW19Dataset,
                              FairFaceDataset, LaPaDataset)
from farl_mm.datasets import parsing_base
from farl_mm.datasets.checks import DatasetProblems
from farl_mm.datasets.landmark_files import (read_landmarks_txt,
                                             write_landmarks_txt)
from farl_mm.geometry import LAPA106_TO_5
from farl_mm.synthetic.writers import write_celeba, write_fairface, write_lapa
from tools.misc.check_dataset import main as check_dataset
from tools.misc.make_synthetic_faces import main as make_synthetic_faces

CONFIGS = osp.join(osp.dirname(osp.dirname(osp.dirname(
    osp.abspath(__file__)))), 'configs', 'farl')
SIZE = 64


def run_check(config, root, capsys, split='train', *options, cfg=()):
    """Exit status, printed problems and the summary's counts."""
    status = check_dataset([
        osp.join(CONFIGS, config), '--split', split, *options,
        '--cfg-options', f'{split}_dataloader.dataset.data_root={root}',
        *cfg])
    out = capsys.readouterr().out
    run_check.out = out
    summary = out.split('summary:')[1]
    counts = {m[0].strip(): int(m[1]) for m in
              re.findall(r'^  ([a-z ]+?) +(\d+)$', summary, re.M)}
    problems = [line.strip() for line in out.split('summary:')[0]
                .splitlines() if line.startswith('  ')]
    return status, problems, counts


def named(problems, path, message):
    """The problems naming ``path`` (a suffix) that contain ``message``."""
    return [p for p in problems
            if re.match(rf'\S*{re.escape(path)}(:\d+)?: ', p)
            and message in p]


@pytest.fixture(scope='module')
def lapa_root(tmp_path_factory):
    root = str(tmp_path_factory.mktemp('lapa'))
    write_lapa(root, 'train', 8, size=SIZE)
    return root


def lapa_dataset(root):
    split = 'train'
    return LaPaDataset(
        data_root=root, test_mode=True,
        data_prefix=dict(img_path=f'{split}/images',
                         seg_map_path=f'{split}/labels',
                         landmark_path=f'{split}/landmarks'),
        pipeline=[dict(type='LoadImageFromFile'),
                  dict(type='mmseg.LoadAnnotations'),
                  dict(type='farl_mm.LoadFaceLandmarks')])


def corrupt_lapa(root):
    """One problem per face of a copy of the 8 faces; what to expect."""
    def path(kind, i, ext):
        return osp.join(root, 'train', kind, f'synth_{i:06d}.{ext}')

    os.remove(path('landmarks', 0, 'txt'))
    label = cv2.imread(path('labels', 1, 'png'), cv2.IMREAD_UNCHANGED)
    cv2.imwrite(path('labels', 1, 'png'), label[:32, :48])
    label = cv2.imread(path('labels', 2, 'png'), cv2.IMREAD_UNCHANGED)
    label[5, 5], label[6, 6] = 12, 254
    cv2.imwrite(path('labels', 2, 'png'), label)
    points = read_landmarks_txt(path('landmarks', 3, 'txt'))
    write_landmarks_txt(path('landmarks', 3, 'txt'), points[:68])
    points = read_landmarks_txt(path('landmarks', 4, 'txt'))
    points[40] = np.nan
    write_landmarks_txt(path('landmarks', 4, 'txt'), points)
    points = read_landmarks_txt(path('landmarks', 5, 'txt'))
    points[list(LAPA106_TO_5)] = points[LAPA106_TO_5[0]] + 0.3
    write_landmarks_txt(path('landmarks', 5, 'txt'), points)
    points = read_landmarks_txt(path('landmarks', 6, 'txt'))
    points[list(LAPA106_TO_5), 1] = 30.0  # five points on one row
    write_landmarks_txt(path('landmarks', 6, 'txt'), points)
    with open(path('images', 7, 'jpg'), 'wb') as f:
        f.write(b'not a jpeg')
    return [
        ('landmarks/synth_000000.txt', 'missing'),
        ('labels/synth_000001.png', '48x32 label for a 64x64 image'),
        ('labels/synth_000002.png', 'label values 12, 254 outside 0..10'),
        ('landmarks/synth_000003.txt', '68 landmarks, expected 106'),
        ('landmarks/synth_000004.txt', '1 landmark(s) NaN or inf'),
        ('landmarks/synth_000005.txt', '(nearly) coincident'),
        ('landmarks/synth_000006.txt', '(nearly) collinear'),
        ('images/synth_000007.jpg', 'not a readable image'),
    ]


def test_clean_lapa_passes(lapa_root, capsys):
    status, problems, counts = run_check(
        'lapa_upernet_tiny_synthetic.py', lapa_root, capsys)
    assert (status, problems) == (0, [])
    assert counts == {}  # every check prints "ok"


def test_lapa_problems_name_their_files(lapa_root, tmp_path, capsys):
    root = str(tmp_path / 'lapa')
    shutil.copytree(lapa_root, root)
    expected = corrupt_lapa(root)
    status, problems, counts = run_check(
        'lapa_upernet_tiny_synthetic.py', root, capsys)
    assert status == 1
    for path, message in expected:
        assert len(named(problems, path, message)) == 1, (path, problems)
    assert len(problems) == len(expected)
    assert counts == {'missing file': 1, 'unreadable file': 1,
                      'label values': 1, 'label size': 1,
                      'landmark count': 1, 'landmark values': 1,
                      'degenerate alignment': 2}

    # --max-errors: the missing file (found while loading), then the
    # samples in order until there are 3
    status, problems, counts = run_check(
        'lapa_upernet_tiny_synthetic.py', root, capsys, 'train',
        '--max-errors', '3')
    assert status == 1 and len(problems) == 3
    assert counts == {'missing file': 1, 'label values': 1, 'label size': 1}
    assert 'stopped after 3 problems (--max-errors 3): 5 samples of ' \
        'train' in run_check.out

    # mmseg's own dataset (a backbone-swap config) gets the parsing checks
    prefix = 'val_dataloader.dataset.data_prefix'
    status, problems, counts = run_check(
        '../backbone_swap/upernet_farl-vit-tiny_synthetic-lapa_mmseg.py',
        root, capsys, 'val', cfg=(f'{prefix}.img_path=train/images',
                                  f'{prefix}.seg_map_path=train/labels'))
    assert status == 1
    assert counts == {'unreadable file': 1, 'label values': 1,
                      'label size': 1}

    # the dataset stops at once on the missing file, naming it
    with pytest.raises(DatasetProblems, match=r'synth_000000.txt: missing'):
        lapa_dataset(root)
    shutil.copy(osp.join(lapa_root, 'train/landmarks/synth_000000.txt'),
                osp.join(root, 'train/landmarks'))
    data = lapa_dataset(root)
    assert data[0]['face_points'].shape == (5, 2)
    # ... and on the others when their sample is loaded
    for index, (path, message) in list(enumerate(expected))[1:]:
        with pytest.raises(ValueError, match=re.escape(message)) as err:
            data[index]
        assert osp.basename(path) in str(err.value)
    # label and image headers are read once per good sample (data[0] was
    # loaded above); a bad sample is refused at every load
    with mock.patch.object(parsing_base, 'label_size_problems',
                           wraps=parsing_base.label_size_problems) as sizes:
        assert data[0]['face_points'].shape == (5, 2)
        for _ in range(2):
            with pytest.raises(ValueError, match='48x32 label'):
                data[1]
    assert sizes.call_count == 2


def aflw_root(tmp_path):
    root = str(tmp_path / 'aflw19')
    make_synthetic_faces(['--format', 'aflw19', '--out', root, '--splits',
                          'train:6', 'test:2', '--size', str(SIZE)])
    return root


def test_aflw19_problems_name_annotation_and_image(tmp_path, capsys):
    root = aflw_root(tmp_path)
    status, problems, _ = run_check(
        'aflw19_upernet_tiny_synthetic.py', root, capsys)
    assert (status, problems) == (0, [])

    ann_file = osp.join(root, 'annotations',
                        'face_landmarks_aflw19_train.json')
    with open(ann_file) as f:
        coco = json.load(f)
    anns, names = coco['annotations'], [i['file_name']
                                        for i in coco['images']]
    anns[0]['keypoints'] = anns[0]['keypoints'][:-3]
    anns[1]['keypoints'][4] = float('nan')  # y of point 1
    anns[2]['bbox'][2] = 0.0
    os.remove(osp.join(root, 'flickr', names[3]))
    with open(ann_file, 'w') as f:
        json.dump(coco, f)
    status, problems, counts = run_check(
        'aflw19_upernet_tiny_synthetic.py', root, capsys)
    assert status == 1
    json_name = 'face_landmarks_aflw19_train.json'
    assert named(problems, json_name,
                 f'face 0 of {names[0]}: 18 landmarks, expected 19')
    assert named(problems, json_name,
                 f'face 1 of {names[1]}: 1 landmark(s) NaN or inf')
    assert named(problems, json_name, f'face 2 of {names[2]}: bbox')
    assert named(problems, names[3], 'missing')
    assert counts == {'missing file': 1, 'landmark count': 1,
                      'landmark values': 1, 'face box': 1}
    with pytest.raises(DatasetProblems, match=re.escape(
            f'face 0 of {names[0]}: 18 landmarks')) as err:
        FaRLAFLW19Dataset(ann_file=ann_file, data_root=root,
                          data_prefix=dict(img='flickr/'), pipeline=[])
    assert len(err.value.problems) == 4


def test_celeba_problems_name_lines(tmp_path, capsys):
    root = str(tmp_path / 'celeba')
    write_celeba(root, 6, 1, 1, size=SIZE)
    status, problems, _ = run_check(
        'celeba_attributes_tiny_synthetic.py', root, capsys)
    assert (status, problems) == (0, [])

    def edit(name, line, values):
        path = osp.join(root, name)
        lines = open(path).read().splitlines()
        fields = lines[line - 1].split()
        lines[line - 1] = ' '.join(fields[:1] + values(fields[1:]))
        open(path, 'w').write('\n'.join(lines) + '\n')

    attr, marks = 'list_attr_celeba.txt', 'list_landmarks_align_celeba.txt'
    edit(attr, 3, lambda v: ['0'] + v[1:])  # 000001.jpg
    edit(marks, 4, lambda v: v[:2] * 5)  # 000002.jpg: one point 5 times
    edit(marks, 5, lambda v: [f'{v[0]} {20 + 5 * k}'  # 000003.jpg: on
                              for k in range(5)])  # a vertical line
    edit(marks, 6, lambda v: ['nan'] + v[1:])  # 000004.jpg
    os.remove(osp.join(root, 'img_align_celeba', '000005.jpg'))
    status, problems, counts = run_check(
        'celeba_attributes_tiny_synthetic.py', root, capsys)
    assert status == 1
    assert named(problems, f'{attr}:3', '000001.jpg: values [0.0]')
    assert named(problems, f'{marks}:4', '000002.jpg: the 5 alignment '
                 'points are (nearly) coincident')
    assert named(problems, f'{marks}:5', '000003.jpg: the 5 alignment '
                 'points are (nearly) collinear')
    assert named(problems, f'{marks}:6', '000004.jpg: 1 landmark(s) NaN')
    assert named(problems, 'img_align_celeba/000005.jpg', 'missing')
    assert counts == {'missing file': 1, 'landmark values': 1,
                      'degenerate alignment': 2, 'attribute values': 1}
    with pytest.raises(DatasetProblems,
                       match=re.escape(f'{attr}:3: 000001.jpg')) as err:
        CelebADataset(root)
    assert len(err.value.problems) == 5
    assert len(CelebADataset(root, split='test')) == 1  # other split ok


def test_fairface_problems_name_lines(tmp_path, capsys):
    root = str(tmp_path / 'fairface')
    write_fairface(root, 4, 1, size=SIZE)
    csv_path = osp.join(root, 'fairface_label_train.csv')
    lines = open(csv_path).read().splitlines()
    lines[1] = lines[1].rsplit(',', 2)[0] + ',Martian,False'
    lines[3] = lines[3].replace('Male', 'X') if 'Male' in lines[3] else \
        lines[3].replace('Female', 'X')
    open(csv_path, 'w').write('\n'.join(lines) + '\n')
    os.remove(osp.join(root, 'train', '3.jpg'))
    status, problems, counts = run_check('fairface.py', root, capsys)
    assert status == 1
    assert named(problems, 'fairface_label_train.csv:2',
                 "unknown race 'Martian'")
    assert named(problems, 'fairface_label_train.csv:4',
                 "unknown gender 'X'")
    assert named(problems, 'train/3.jpg', 'missing')
    assert counts == {'missing file': 1, 'unknown class': 2}
    with pytest.raises(DatasetProblems, match='3 problem'):
        FairFaceDataset(root)


def test_truncated_jpeg_found_by_full_decode(lapa_root, tmp_path, capsys):
    """A JPEG cut in half keeps a sound header: only a full decode (the
    default for a dataset this small) finds it."""
    root = str(tmp_path / 'lapa')
    shutil.copytree(lapa_root, root)
    path = osp.join(root, 'train', 'images', 'synth_000002.jpg')
    data = open(path, 'rb').read()
    open(path, 'wb').write(data[:len(data) // 2])
    status, problems, counts = run_check(
        'lapa_upernet_tiny_synthetic.py', root, capsys)
    assert status == 1 and counts == {'unreadable file': 1}
    assert named(problems, 'images/synth_000002.jpg',
                 'truncated or corrupt image (image file is truncated')
    assert '8 samples, 1 problem(s); images: decoded' in run_check.out
    status, problems, _ = run_check(
        'lapa_upernet_tiny_synthetic.py', root, capsys, 'train', '--no-full')
    assert (status, problems) == (0, [])
    assert 'images: headers only (--full decodes them)' in run_check.out


def rewrite_shard(path, edit):
    """Rewrite a tar shard with ``edit(index, sample)`` applied to each
    sample (a dict of member bytes and ``__key__``)."""
    from webdataset import TarWriter
    from webdataset.tariterators import tarfile_samples
    samples = [{k: v for k, v in s.items() if k == '__key__' or k[0] != '_'}
               for s in tarfile_samples([dict(url=path)])]
    with TarWriter(path, encoder=False) as sink:
        for i, sample in enumerate(samples):
            edit(i, sample)
            sink.write(sample)


def test_shard_problems_name_shard_and_key(tmp_path, capsys):
    from farl_mm.synthetic.writers import write_synthetic_shards
    root = str(tmp_path / 'shards')
    write_synthetic_shards(root, 2, 6, size=SIZE)
    config = 'farl_vit-tiny_synthetic-shards_pretrain.py'
    status, problems, _ = run_check(config, root, capsys)
    assert (status, problems) == (0, [])
    assert '12 samples, 0 problem(s); images: decoded' in run_check.out

    def corrupt(i, sample):
        meta = json.loads(sample['json'])
        if i == 1:  # a truncated JPEG
            sample['jpg'] = sample['jpg'][:len(sample['jpg']) // 2]
        elif i == 2:  # absurd landmarks on every face
            for face in meta['faces']:
                face['landmarks'] = (np.array(face['landmarks']) *
                                     1e20).tolist()
        elif i == 3:  # every face off the photo
            for face in meta['faces']:
                face['landmarks'] = (np.array(face['landmarks']) +
                                     [SIZE + 10, 0]).tolist()
        sample['json'] = json.dumps(meta).encode()

    rewrite_shard(osp.join(root, '00000.tar'), corrupt)
    with open(osp.join(root, 'sizes.json')) as f:
        sizes = json.load(f)
    sizes.update({'00001.tar': 7, '00002.tar': 6})  # off by one; missing
    with open(osp.join(root, 'sizes.json'), 'w') as f:
        json.dump(sizes, f)
    status, problems, counts = run_check(config, root, capsys)
    assert status == 1
    assert named(problems, '00000.tar#000000001.jpg',
                 'truncated or corrupt image data (image_corrupt)')
    assert named(problems, '00000.tar#000000002.json',
                 'px far outside the 64x64 image (align_outside_image)')
    assert re.search(r'000002.json: the face of score 0\.\d{3} at box '
                     r'\[[\d.]{2,4}, ', run_check.out)
    assert named(problems, '00000.tar#000000003.json',
                 'all 5 points outside the 64x64 image: the face is not in '
                 'it (align_outside_image)')
    assert named(problems, '00001.tar', '6 samples, but sizes.json gives 7')
    assert named(problems, '00002.tar', 'missing shard')
    assert len(problems) == 5
    assert counts == {'missing file': 1, 'bad web sample': 1,
                      'face alignment': 2, 'shard size': 1}
    # headers only: the truncated JPEG passes
    status, problems, _ = run_check(config, root, capsys, 'train',
                                    '--no-full')
    assert status == 1 and len(problems) == 4
