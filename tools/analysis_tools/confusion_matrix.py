"""Pixel confusion matrix of a face-parsing model on its test set, as
mmseg's confusion_matrix::

    python tools/analysis_tools/confusion_matrix.py CONFIG PREDICTIONS \
        SAVE_DIR [--show] [--title T] [--color-theme NAME]
        [--cfg-options KEY=VALUE ...]

PREDICTIONS is one of
  - a folder of label PNGs (``tools/test.py --out``; mmseg's), one per
    test image, named after the image (``IMAGE_STEM.png``);
  - a pickle of predictions (``tools/test.py --dump``, mmengine's
    ``DumpResults``: data samples with ``pred_sem_seg`` and ``img_path``);
  - a checkpoint (``.pth``): the config's model is run on the test set
    first (its predictions dumped to ``SAVE_DIR/preds.pkl``).

Rows are the ground truth, columns the prediction, pixels with the
dataset's ignore index left out; labels are compared at the photo's own
size (FaRL's parsers predict there). Writes ``confusion_matrix.png``
(each row in % of its pixels, FaRL's class names from the dataset's
metainfo) and the raw counts as ``confusion_matrix.npy``.
"""
import argparse
import os
import os.path as osp

import farl_mm  # noqa: F401,I001  (compatibility patches first, registries)
import cv2
import numpy as np
from mmengine.config import DictAction
from mmengine.registry import DATASETS, init_default_scope

from farl_mm.utils import load_config
from farl_mm.utils.pickle_io import load_pickle_file


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description='Confusion matrix of a face-parsing model')
    parser.add_argument('config', help='test config file path')
    parser.add_argument('prediction_path', help='a folder of label PNGs, a '
                        'pickle of predictions, or a checkpoint to run')
    parser.add_argument('save_dir', help='where to write the matrix')
    parser.add_argument('--show', action='store_true', help='show the plot')
    parser.add_argument('--title', default='Normalized Confusion Matrix')
    parser.add_argument('--color-theme', default='winter',
                        help='a matplotlib colour map')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='override settings of the config, key=value')
    args = parser.parse_args(argv)
    args.launcher, args.local_rank, args.work_dir = 'none', 0, None
    return args


def confusion(gt, pred, num_classes, ignore_index=255):
    """``(num_classes, num_classes)`` counts: ``[true, predicted]``."""
    if gt.shape != pred.shape:
        raise ValueError(f'prediction {pred.shape} and label {gt.shape} '
                         'differ in size')
    keep = gt != ignore_index
    gt, pred = gt[keep].astype(np.int64), pred[keep].astype(np.int64)
    bad = (gt >= num_classes) | (pred >= num_classes) | (pred < 0)
    if bad.any():
        raise ValueError(f'labels outside 0..{num_classes - 1}: '
                         f'{sorted(set(gt[bad]) | set(pred[bad]))}')
    return np.bincount(num_classes * gt + pred,
                       minlength=num_classes ** 2).reshape(num_classes, -1)


def _stem(path):
    return osp.splitext(osp.basename(path))[0]


def read_predictions(path):
    """``image stem -> (H, W) label array`` from a PNG folder or pickle."""
    if osp.isdir(path):
        return {_stem(name): cv2.imread(osp.join(path, name),
                                        cv2.IMREAD_UNCHANGED)
                for name in sorted(os.listdir(path)) if name.endswith('.png')}
    preds = {}
    for sample in load_pickle_file(path):
        label = sample['pred_sem_seg']
        label = label['data'] if isinstance(label, dict) else label
        preds[_stem(sample['img_path'])] = np.asarray(label).reshape(
            np.shape(label)[-2:])
    return preds


def run_model(cfg, checkpoint, save_dir):
    """Test ``checkpoint`` with mmengine's ``DumpResults``; the pickle."""
    from mmengine.runner import Runner
    out = osp.join(save_dir, 'preds.pkl')
    cfg.load_from = checkpoint
    cfg.work_dir = osp.join(save_dir, 'run')
    cfg.test_evaluator = dict(type='DumpResults', out_file_path=out)
    cfg.visualizer = dict(type='Visualizer', name=f'confusion_{id(cfg)}')
    Runner.from_cfg(cfg).test()
    return out


def ground_truth(dataset_cfg):
    """``(image stem -> label map, dataset)``, labels read as mmseg's
    ``LoadAnnotations`` reads them (``label_map``, ``reduce_zero_label``)."""
    from mmseg.datasets.transforms import LoadAnnotations
    dataset = DATASETS.build(dataset_cfg)
    load = LoadAnnotations()
    labels = {}
    for i in range(len(dataset)):
        info = dataset.get_data_info(i)
        labels[_stem(info['img_path'])] = load(
            dict(info, seg_fields=[]))['gt_seg_map']
    return labels, dataset


def confusion_matrix(cfg, prediction_path, save_dir):
    """The test set's matrix and its class names."""
    init_default_scope(cfg.get('default_scope', 'mmseg'))
    if prediction_path.endswith('.pth'):
        prediction_path = run_model(cfg.copy(), prediction_path, save_dir)
    preds = read_predictions(prediction_path)
    labels, dataset = ground_truth(cfg.test_dataloader.dataset)
    missing = sorted(set(labels) - set(preds))
    if missing:
        raise FileNotFoundError(
            f'{prediction_path}: no prediction for {len(missing)} of '
            f'{len(labels)} test images, e.g. {missing[:3]}')
    classes = dataset.metainfo['classes']
    matrix = np.zeros((len(classes), len(classes)), np.int64)
    for stem, gt in labels.items():
        try:
            matrix += confusion(gt, preds[stem], len(classes),
                                dataset.ignore_index)
        except ValueError as err:
            raise ValueError(f'{prediction_path}: {stem}: {err}') from err
    return matrix, classes


def plot(matrix, classes, out, title, cmap='winter', show=False):
    """Rows in % of their pixels, as mmseg draws it."""
    import matplotlib
    if not show:
        matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    totals = matrix.sum(1, keepdims=True)
    percent = 100 * matrix / np.maximum(totals, 1)
    size = max(6, 0.6 * len(classes))
    fig, ax = plt.subplots(figsize=(size, 0.85 * size))
    image = ax.imshow(percent, cmap=plt.get_cmap(cmap), vmin=0, vmax=100)
    fig.colorbar(image, ax=ax)
    ticks = np.arange(len(classes))
    ax.set_xticks(ticks, classes, rotation=45, ha='right')
    ax.set_yticks(ticks, classes)
    ax.set_xlabel('Predicted label')
    ax.set_ylabel('Ground truth label')
    ax.set_title(title)
    for (row, col), value in np.ndenumerate(percent):
        if totals[row, 0]:
            ax.text(col, row, f'{value:.0f}', ha='center', va='center',
                    fontsize=7, color='w')
    fig.tight_layout()
    fig.savefig(out, dpi=100)
    if show:
        plt.show()
    plt.close(fig)


def main(argv=None):
    args = parse_args(argv)
    cfg = load_config(args)
    os.makedirs(args.save_dir, exist_ok=True)
    matrix, classes = confusion_matrix(cfg, args.prediction_path,
                                       args.save_dir)
    np.save(osp.join(args.save_dir, 'confusion_matrix.npy'), matrix)
    out = osp.join(args.save_dir, 'confusion_matrix.png')
    plot(matrix, classes, out, args.title, args.color_theme, args.show)
    print(f'wrote {out} ({matrix.sum()} pixels, {len(classes)} classes)')
    return matrix, classes


if __name__ == '__main__':
    main()
