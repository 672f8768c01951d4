"""The report of ``make demo`` (``tools/misc/run_demo.py``): the paper's
"FaRL vs Scratch" comparison of the demo's runs, with figures.

Everything is read from what the runs left on disk, so the report can be
rewritten without training again: each run dir holds mmengine's
``<timestamp>/vis_data/scalars.json`` (training losses), ``test/<timestamp>/
<timestamp>.json`` (the metrics ``tools/test.py`` wrote) and ``preds.pkl``
(its ``--dump``).
"""
import glob
import os
import os.path as osp
import shlex

import cv2
import numpy as np

from farl_mm.apis.face_alignment import draw_landmarks
from farl_mm.apis.face_parsing import colour_overlay
from farl_mm.datasets.lapa import LaPaDataset
from farl_mm.synthetic import ATTRIBUTE_NAMES
from farl_mm.utils.pickle_io import load_pickle_file

ROW_NAMES = {'farl': 'FaRL-tiny (pretrained, frozen)',
             'scratch': 'Scratch (random init, frozen)'}
SHORT = {'farl': 'FaRL-tiny', 'scratch': 'Scratch'}
#: (task, column title, how to read it from the metrics, higher is better)
COLUMNS = (
    ('parsing', 'Parsing F1 mean (%) ↑', 'f1_mean', True),
    ('parsing', 'Parsing mIoU (%) ↑', 'mIoU', True),
    ('alignment', 'Alignment NME_diag (%) ↓', 'diag/full/NME', False),
    ('attributes', 'Attributes mean acc., 17 drawn (%) ↑', 'attr17', True),
)


def _newest(pattern):
    found = sorted(glob.glob(pattern))
    if not found:
        raise FileNotFoundError(f'nothing matches {pattern}: did the run '
                                'finish?')
    return found[-1]


def test_metrics(run_dir):
    """The metrics of the newest ``tools/test.py`` run in ``run_dir/test``.

    ``attr17`` is added for attribute runs: the mean accuracy over the 17
    attributes the synthetic faces draw (the other 23 of CelebA's 40 are
    constant and would inflate ``attr/mAcc``).
    """
    import json
    with open(_newest(osp.join(run_dir, 'test', '*', '*.json'))) as f:
        metrics = json.load(f)
    drawn = [metrics.get(f'attr/acc_{name}') for name in ATTRIBUTE_NAMES]
    if all(v is not None for v in drawn):
        metrics['attr17'] = float(np.mean(drawn))
    return metrics


def train_scalars(run_dir):
    """The training log lines of the newest run in ``run_dir``."""
    import json
    path = _newest(osp.join(run_dir, '[0-9]*_[0-9]*', 'vis_data',
                            'scalars.json'))
    with open(path) as f:
        return [json.loads(line) for line in f if line.strip()]


def load_dump(run_dir):
    """The predictions ``tools/test.py --dump`` saved (pickled data
    samples), read as data: with the checkpoints' allow-list, so a
    replaced ``preds.pkl`` runs nothing."""
    return load_pickle_file(osp.join(run_dir, 'preds.pkl'))


def headline(task, run_dir):
    """The task's first metric of :data:`COLUMNS`, for the demo's progress
    line of a test stage, e.g. ``'Parsing F1 mean (%) ↑ 81.20'``."""
    metrics = test_metrics(run_dir)
    title, key = next((t, k) for name, t, k, _ in COLUMNS if name == task)
    return f'{title} {metrics[key]:.2f}'


def final_loss(run_dir):
    """The last logged training loss of the newest run in ``run_dir``, for
    the progress line of a training stage, e.g. ``'loss 0.412'``."""
    losses = [s['loss'] for s in train_scalars(run_dir) if 'loss' in s]
    if not losses:
        raise ValueError(f'{run_dir}: no loss logged')
    return f'loss {losses[-1]:.3f}'


def metric_table(metrics):
    """Markdown table and per-task verdicts.

    Args:
        metrics (dict): ``task -> row -> metrics dict``.

    Returns:
        tuple[str, list[str]]: the table and one line per column saying
        which row is ahead, and by how much.
    """
    header = ['Backbone'] + [c[1] for c in COLUMNS]
    lines = ['| ' + ' | '.join(header) + ' |', '|' + '---|' * len(header)]
    for row, name in ROW_NAMES.items():
        cells = [name]
        for task, _, key, _ in COLUMNS:
            value = metrics.get(task, {}).get(row, {}).get(key)
            cells.append('n/a' if value is None else f'{value:.2f}')
        lines.append('| ' + ' | '.join(cells) + ' |')
    verdicts = []
    for task, title, key, higher in COLUMNS:
        farl = metrics.get(task, {}).get('farl', {}).get(key)
        scratch = metrics.get(task, {}).get('scratch', {}).get(key)
        if farl is None or scratch is None:
            continue
        gain = (farl - scratch) * (1 if higher else -1)
        verdict = 'FaRL-tiny ahead' if gain > 0 else \
            'NO gain from pretraining'
        verdicts.append(f'{title.rsplit(" ", 1)[0]}: {farl:.2f} vs '
                        f'{scratch:.2f}, {verdict} ({gain:+.2f} in the '
                        'better direction)')
    return '\n'.join(lines) + '\n', verdicts


def _plt():
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    return plt


def _rgb(bgr):
    return np.ascontiguousarray(bgr[..., ::-1])


def plot_losses(curves, out):
    """One panel per run group: ``curves`` is ``title -> label -> lines``
    (mmengine scalars). A lone run shows every ``loss*`` key (the
    pretraining's ITC and MIM terms), a comparison only the total."""
    plt = _plt()
    fig, axes = plt.subplots(1, len(curves), figsize=(4 * len(curves), 3.2))
    for ax, (title, runs) in zip(np.atleast_1d(axes), curves.items()):
        for label, lines in runs.items():
            train = [s for s in lines if 'loss' in s and 'iter' in s]
            keys = sorted({k for s in train for k in s
                           if k.startswith('loss')}) if len(runs) == 1 \
                else ['loss']
            for key in keys:
                pts = [(s['iter'], s[key]) for s in train if key in s]
                ax.plot(*zip(*pts), label=f'{SHORT.get(label, "")} {key}')
        ax.set_title(title)
        ax.set_xlabel('iteration')
        ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(out, dpi=90)
    plt.close(fig)


def plot_parsing(dumps, out, num=4):
    """Photo, ground truth and each row's prediction, ``num`` test faces;
    ``dumps`` is ``row -> parsing dump`` (same test order)."""
    palette = LaPaDataset.METAINFO['palette']
    first = next(iter(dumps.values()))
    rows = []
    for i in range(min(num, len(first))):
        photo = cv2.imread(first[i]['img_path'])
        gt = first[i]['gt_sem_seg']['data'][0].numpy().astype(np.uint8)
        panels = [photo, colour_overlay(photo, gt, palette)]
        for dump in dumps.values():
            pred = dump[i]['pred_sem_seg']['data'][0].cpu().numpy()
            panels.append(colour_overlay(photo, pred.astype(np.uint8),
                                         palette))
        rows.append(panels)
    titles = ['photo', 'ground truth'] + [SHORT[r] for r in dumps]
    _grid(rows, titles, out)


def plot_landmarks(dumps, out, num=4):
    """Ground truth (green) and each row's landmarks (red), ``num`` faces."""
    first = next(iter(dumps.values()))
    rows = []
    for i in range(min(num, len(first))):
        photo = cv2.imread(first[i]['img_path'])
        gt = np.asarray(first[i]['gt_instances']['keypoints'])[0]
        panels = []
        for dump in dumps.values():
            pred = np.asarray(dump[i]['pred_instances']['keypoints'])[0]
            panels.append(draw_landmarks(draw_landmarks(photo, gt), pred,
                                         colour=(0, 0, 255)))
        rows.append(panels)
    titles = [f'{SHORT[r]} (red), truth (green)' for r in dumps]
    _grid(rows, titles, out)


def _grid(rows, titles, out):
    plt = _plt()
    n, m = len(rows), len(rows[0])
    fig, axes = plt.subplots(n, m, figsize=(2.6 * m, 2.6 * n),
                             squeeze=False)
    for r, panels in enumerate(rows):
        for c, img in enumerate(panels):
            axes[r, c].imshow(_rgb(img))
            axes[r, c].axis('off')
            if r == 0:
                axes[r, c].set_title(titles[c], fontsize=8)
    fig.tight_layout()
    fig.savefig(out, dpi=90)
    plt.close(fig)


def plot_attributes(dumps, out, num=3):
    """Predicted probabilities of the 17 drawn attributes, one bar per row,
    ground truth as black ticks, for ``num`` test faces."""
    from farl_mm.datasets.celeba import CELEBA_ATTRIBUTES
    plt = _plt()
    cols = [CELEBA_ATTRIBUTES.index(a) for a in ATTRIBUTE_NAMES]
    first = next(iter(dumps.values()))
    num = min(num, len(first))
    fig, axes = plt.subplots(num, 2, figsize=(9, 3.6 * num), squeeze=False,
                             gridspec_kw=dict(width_ratios=[1, 3]))
    y = np.arange(len(cols))
    height = 0.8 / len(dumps)
    for i in range(num):
        axes[i, 0].imshow(_rgb(cv2.imread(first[i]['img_path'])))
        axes[i, 0].axis('off')
        ax = axes[i, 1]
        for k, (row, dump) in enumerate(dumps.items()):
            prob = dump[i]['pred_score'].float().numpy()[cols]
            ax.barh(y + k * height, prob, height, label=SHORT[row])
        truth = np.zeros(len(CELEBA_ATTRIBUTES))
        truth[first[i]['gt_label'].numpy()] = 1
        ax.scatter(truth[cols], y + 0.4 - height / 2, marker='|', s=120,
                   color='k', label='ground truth (0 / 1)')
        ax.set_yticks(y + 0.4 - height / 2, ATTRIBUTE_NAMES, fontsize=7)
        ax.set_xlim(-0.05, 1.05)
        ax.set_xlabel('predicted probability')
        if i == 0:
            ax.legend(fontsize=7, loc='lower right')
    fig.tight_layout()
    fig.savefig(out, dpi=90)
    plt.close(fig)


def enlarge(path, out, side=256):
    """``path`` scaled (bicubic) to ``side`` pixels high: the tower's
    64 px input is too small to see in a report."""
    img = cv2.imread(path)
    scale = max(1, side // img.shape[0])
    cv2.imwrite(out, cv2.resize(img, None, fx=scale, fy=scale,
                                interpolation=cv2.INTER_CUBIC))


def _seconds(value):
    return f'{value:.0f}'


def write_report(work_dir, runs, times=None, pretrain_dir=None,
                 gradcam=None, gradcam_text=None):
    """Write ``work_dir/report.md`` and its figures in ``work_dir/figures``.

    Args:
        work_dir (str): The demo's folder.
        runs (dict): ``task -> row -> run dir`` with tasks ``parsing``,
            ``alignment``, ``attributes`` and rows ``farl``, ``scratch``.
        times (dict, optional): ``stage -> dict(wall=s, cpu=s, argv=[...])``
            (``tools/misc/run_demo.py``'s record).
        pretrain_dir (str, optional): The pretraining run, for its losses.
        gradcam (str, optional): A Grad-CAM PNG to show, if it exists.
        gradcam_text (str, optional): Its query.

    Returns:
        str: The report's path.
    """
    fig_dir = osp.join(work_dir, 'figures')
    os.makedirs(fig_dir, exist_ok=True)
    metrics = {task: {row: test_metrics(d) for row, d in rows.items()}
               for task, rows in runs.items()}
    table, verdicts = metric_table(metrics)
    figures = []

    def figure(name, caption, draw, *args):
        path = osp.join(fig_dir, name)
        draw(*args, path)
        figures.append((caption, osp.relpath(path, work_dir)))

    curves = {}
    if pretrain_dir:
        curves['pretraining (ITC + MIM)'] = {'': train_scalars(pretrain_dir)}
    for task, rows in runs.items():
        curves[f'{task} head'] = {row: train_scalars(d)
                                  for row, d in rows.items()}
    figure('loss_curves.png', 'Training losses', plot_losses, curves)
    dumps = {task: {row: load_dump(d) for row, d in rows.items()}
             for task, rows in runs.items()}
    if 'parsing' in dumps:
        figure('parsing_overlays.png', 'Parsing: predicted labels on test '
               'photos (original resolution)', plot_parsing,
               dumps['parsing'])
    if 'alignment' in dumps:
        figure('landmarks.png', 'Alignment: predicted landmarks on test '
               'photos', plot_landmarks, dumps['alignment'])
    if 'attributes' in dumps:
        figure('attribute_bars.png', 'Attributes: predicted probabilities '
               'vs ground truth', plot_attributes, dumps['attributes'])
    if gradcam and osp.isfile(gradcam):
        figure('gradcam_large.png', 'Grad-CAM of the pretrained towers for '
               f'"{gradcam_text}" (paper Figure 5): the aligned face and '
               'the heat map', enlarge, gradcam)

    text = [
        '# farl_mm demo: FaRL pretraining and transfer, on generated faces',
        '',
        'Everything here ran on generated cartoon faces (no real face data)'
        ' with a tiny FaRLViT (64 wide, 4 blocks). It shows the pipeline of '
        'the paper working end to end: pretraining (image-text contrastive'
        ' + masked image modelling), then frozen-backbone transfer to three'
        ' tasks, compared with the same heads on a randomly initialised '
        'frozen backbone ("Scratch"). The numbers are not FaRL\'s accuracy.',
        '',
        '## Test metrics (final checkpoint of each run, test split)',
        '',
        table,
        *[f'- {v}' for v in verdicts],
        '',
        'One seeded run per cell, 32 (parsing, alignment) or 96 '
        '(attributes) test faces: differences of a few points are within '
        'run-to-run noise (unseeded repeats of the demo moved parsing F1 '
        'by 2-4 points).',
        '',
    ]
    if times:
        text += ['## Stage times', '',
                 '| stage | wall (s) | CPU (s) |', '|---|---|---|']
        text += [f'| {name} | {_seconds(t["wall"])} | {_seconds(t["cpu"])} |'
                 for name, t in times.items()]
        text += ['', 'CPU is user + system time of the stage\'s process.',
                 '', '## Commands', '', '```bash']
        text += [shlex.join(['python', *t['argv'][1:]])
                 for t in times.values() if t.get('argv')]
        text += ['```', '']
    text += ['## Figures', '']
    for caption, path in figures:
        text += [f'### {caption}', '', f'![{caption}]({path})', '']
    report = osp.join(work_dir, 'report.md')
    with open(report, 'w') as f:
        f.write('\n'.join(text))
    return report
