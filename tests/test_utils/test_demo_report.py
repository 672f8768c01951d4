"""The report of `make demo` (farl_mm.utils.demo_report) written from fake
run dirs: the table's numbers, the verdicts and the figures."""
import json
import pickle

import cv2
import numpy as np
import torch

from farl_mm.synthetic import ATTRIBUTE_NAMES
from farl_mm.utils.demo_report import final_loss, headline, write_report

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


def test_progress_headlines_read_the_runs(tmp_path):
    """What `make demo` prints when a stage ends: the test stage's first
    metric, the training stage's last loss."""
    parsing = _fake_run(tmp_path, 'parsing', 'farl', tmp_path)
    alignment = _fake_run(tmp_path, 'alignment', 'scratch', tmp_path)
    attributes = _fake_run(tmp_path, 'attributes', 'farl', tmp_path)
    assert headline('parsing', parsing) == 'Parsing F1 mean (%) ↑ 61.25'
    assert headline('alignment', alignment) == \
        'Alignment NME_diag (%) ↓ 2.75'
    assert headline('attributes', attributes) == \
        'Attributes mean acc., 17 drawn (%) ↑ 68.00'
    assert final_loss(parsing) == 'loss 0.067'  # 2.0 / 30
