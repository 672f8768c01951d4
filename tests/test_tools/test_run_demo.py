"""`make demo`'s pieces: the stage runner (order, failures, times) and the
report writer on fake run dirs (the table's numbers and its figures)."""
import json
import os.path as osp
import pickle
import runpy
import sys

import cv2
import numpy as np
import pytest
import torch

from farl_mm.apis.demo_report import write_report
from farl_mm.datasets.celeba import CELEBA_ATTRIBUTES
from farl_mm.datasets.synthetic import ATTRIBUTE_NAMES


@pytest.fixture(scope='module')
def run_demo(repo_root):
    return runpy.run_path(osp.join(repo_root, 'tools', 'misc',
                                   'run_demo.py'))


def _py(code):
    return [sys.executable, '-c', code]


def test_stages_run_after_what_they_wait_for(run_demo, tmp_path):
    Stage = run_demo['Stage']
    out = tmp_path / 'order.txt'
    log = f'open({str(out)!r}, "a").write'
    stages = [  # listed before what it waits for, and a slow independent one
        Stage('second', _py(f'{log}("second\\n")'), ('first', )),
        Stage('first', _py(f'import time; time.sleep(0.3); '
                           f'{log}("first\\n"); print("hello")')),
        Stage('other', _py(f'{log}("other\\n")')),
    ]
    times = run_demo['run_stages'](stages, 2, str(tmp_path / 'logs'))
    order = out.read_text().split()
    assert order.index('first') < order.index('second')
    assert sorted(order) == ['first', 'other', 'second']
    assert set(times) == {'first', 'second', 'other'}
    assert times['first']['wall'] >= 0.3
    assert all(t['cpu'] > 0 for t in times.values())
    assert (tmp_path / 'logs' / 'first.log').read_text() == 'hello\n'


def test_a_failed_stage_stops_the_demo_naming_its_log(run_demo, tmp_path):
    Stage = run_demo['Stage']
    never = tmp_path / 'never'
    stages = [Stage('bad', _py('import sys; print("boom"); sys.exit(3)')),
              Stage('later', _py(f'open({str(never)!r}, "w")'), ('bad', ))]
    with pytest.raises(RuntimeError, match=r'bad failed \(exit 3\).*bad\.log'):
        run_demo['run_stages'](stages, 1, str(tmp_path / 'logs'))
    assert not never.exists()
    assert 'boom' in (tmp_path / 'logs' / 'bad.log').read_text()
    with pytest.raises(ValueError, match='unknown'):
        run_demo['run_stages']([Stage('a', _py(''), ('b', ))], 1,
                               str(tmp_path / 'logs'))


def test_demo_stages_wait_for_their_data_and_the_pretraining(run_demo):
    order = [s.name for s in run_demo['demo_stages']('python')]
    stages = {s.name: s for s in run_demo['demo_stages']('python')}
    # preferred when ready: the pretraining (the longest chain) first
    assert order.index('pretrain') < order.index('data-lapa')
    assert stages['pretrain'].after == ('data-laion-face', )
    assert set(stages['train-parsing-farl'].after) == {'data-lapa',
                                                      'pretrain'}
    assert stages['train-parsing-scratch'].after == ('data-lapa', )
    assert stages['test-attributes-scratch'].after == (
        'train-attributes-scratch', )
    assert len(stages) == 4 + 1 + 12 + 1


def test_gradcam_face_wears_eyeglasses(run_demo, tmp_path):
    names = ['1.jpg', '2.jpg', '3.jpg']
    glasses = CELEBA_ATTRIBUTES.index('Eyeglasses')
    rows = []
    for name, on in zip(names, (1, -1, 1)):
        values = [-1] * 40
        values[glasses] = on
        rows.append(f'{name} ' + ' '.join(map(str, values)))
    (tmp_path / 'list_attr_celeba.txt').write_text(
        '3\n' + ' '.join(CELEBA_ATTRIBUTES) + '\n' + '\n'.join(rows) + '\n')
    (tmp_path / 'list_landmarks_align_celeba.txt').write_text(
        '3\nlx ly rx ry nx ny mlx mly mrx mry\n' + ''.join(
            f'{n} {" ".join(str(10 * i + k) for k in range(10))}\n'
            for i, n in enumerate(names)))
    (tmp_path / 'list_eval_partition.txt').write_text(
        '1.jpg 0\n2.jpg 2\n3.jpg 2\n')  # 1.jpg wears them but is train
    image, points = run_demo['eyeglasses_face'](str(tmp_path))
    assert image == osp.join(str(tmp_path), 'img_align_celeba', '3.jpg')
    assert points == '20 21 22 23 24 25 26 27 28 29'


# --- report -----------------------------------------------------------------

METRICS = {  # task -> row -> test metrics, as tools/test.py writes them
    'parsing': {'farl': {'f1_mean': 61.25, 'mIoU': 50.5},
                'scratch': {'f1_mean': 40.0, 'mIoU': 30.125}},
    'alignment': {'farl': {'diag/full/NME': 3.5, 'box/full/NME': 5.0},
                  'scratch': {'diag/full/NME': 2.75,
                              'box/full/NME': 4.0}},
    'attributes': {
        'farl': {'attr/mAcc': 95.0, **{f'attr/acc_{n}': 60.0 + i
                                       for i, n in enumerate(
                                           ATTRIBUTE_NAMES)}},
        'scratch': {'attr/mAcc': 90.0, **{f'attr/acc_{n}': 50.0
                                          for n in ATTRIBUTE_NAMES}}},
}


def _image(path, size=32):
    img = np.zeros((size, size, 3), np.uint8)
    img[8:24, 8:24] = (40, 160, 220)
    cv2.imwrite(str(path), img)
    return str(path)


def _dump(task, row, tmp_path):
    rng = np.random.default_rng(len(task) + len(row))
    samples = []
    for i in range(2):
        img = _image(tmp_path / f'{task}_{i}.png')
        if task == 'parsing':
            label = torch.from_numpy(rng.integers(0, 11, (1, 32, 32)))
            samples.append(dict(img_path=img, gt_sem_seg=dict(data=label),
                                pred_sem_seg=dict(data=label.flip(-1))))
        elif task == 'alignment':
            pts = rng.uniform(4, 28, (1, 19, 2))
            samples.append(dict(img_path=img,
                                gt_instances=dict(keypoints=pts),
                                pred_instances=dict(keypoints=pts + 1)))
        else:
            samples.append(dict(img_path=img,
                                pred_score=torch.rand(40),
                                gt_label=torch.tensor([4, 15, 20])))
    return samples


def _fake_run(root, task, row, tmp_path):
    run = root / f'{task}_{row}'
    vis = run / '20260101_000000' / 'vis_data'
    vis.mkdir(parents=True)
    lines = [dict(iter=i, loss=2.0 / i, lr=1e-3) for i in (10, 20, 30)]
    (vis / 'scalars.json').write_text(
        ''.join(json.dumps(line) + '\n' for line in lines))
    test = run / 'test' / '20260101_000100'
    test.mkdir(parents=True)
    (test / '20260101_000100.json').write_text(
        json.dumps(METRICS[task][row]))
    with open(run / 'preds.pkl', 'wb') as f:
        pickle.dump(_dump(task, row, tmp_path), f)
    return str(run)


def test_report_table_verdicts_and_figures(tmp_path):
    work = tmp_path / 'demo'
    runs = {task: {row: _fake_run(work, task, row, tmp_path)
                   for row in ('farl', 'scratch')} for task in METRICS}
    pretrain = work / 'pretrain' / '20260101_000000' / 'vis_data'
    pretrain.mkdir(parents=True)
    (pretrain / 'scalars.json').write_text(json.dumps(
        dict(iter=1, loss=7.0, loss_itc=3.0, loss_mim=4.0)) + '\n')
    cam = work / 'figures' / 'gradcam.png'
    cam.parent.mkdir(parents=True)
    _image(cam)
    times = {'pretrain': dict(wall=61.4, cpu=55.6,
                              argv=['/venv/python', 'tools/train.py', 'C'])}
    report = write_report(str(work), runs, times,
                          pretrain_dir=str(work / 'pretrain'),
                          gradcam=str(cam), gradcam_text='eyeglasses')
    text = open(report).read()
    rows = [line for line in text.splitlines() if line.startswith('| ')]
    # hand-computed: the 17 FaRL accuracies are 60..76, mean 68
    assert ('| FaRL-tiny (pretrained, frozen) | 61.25 | 50.50 | 3.50 | '
            '68.00 |') in rows
    assert ('| Scratch (random init, frozen) | 40.00 | 30.12 | 2.75 | '
            '50.00 |') in rows
    assert 'NO gain from pretraining (-0.75' in text  # NME: lower is better
    assert 'Parsing F1 mean (%): 61.25 vs 40.00, FaRL-tiny ahead (+21.25' \
        in text
    assert '| pretrain | 61 | 56 |' in text
    assert 'python tools/train.py C' in text
    for name in ('loss_curves', 'parsing_overlays', 'landmarks',
                 'attribute_bars', 'gradcam_large'):
        assert f'(figures/{name}.png)' in text
        img = cv2.imread(str(work / 'figures' / f'{name}.png'))
        assert img is not None and img.std() > 0, name
    large = cv2.imread(str(work / 'figures' / 'gradcam_large.png'))
    assert large.shape == (256, 256, 3)  # the 32 px fake, 8x
    # two faces x (photo, truth, FaRL, Scratch): a 2 x 4 grid, wider
    overlay = cv2.imread(str(work / 'figures' / 'parsing_overlays.png'))
    assert overlay.shape[1] > 1.5 * overlay.shape[0]
