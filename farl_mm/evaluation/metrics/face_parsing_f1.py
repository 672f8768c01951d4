"""Face-parsing F1 as FaRL reports it (paper Tables 4, 5, 12).

Per class ``F1 = 2 TP / (2 TP + FP + FN)`` from ONE confusion matrix summed
over every test image and every rank (not a mean of per-image scores, which
weights small faces like large ones), then the mean over the classes
without background, and without background and hair.
"""
import numpy as np
import torch
from mmengine.evaluator import BaseMetric
from mmengine.logging import MMLogger, print_log
from prettytable import PrettyTable

from farl_mm.registry import METRICS


def confusion_matrix(pred, label, num_classes, ignore_index=255):
    """``(C, C)`` int64 counts, rows ground truth, columns prediction."""
    keep = label != ignore_index
    index = label[keep].long() * num_classes + pred[keep].long()
    counts = torch.bincount(index, minlength=num_classes**2)
    return counts.reshape(num_classes, num_classes).cpu().numpy()


def f1_from_confusion(matrix):
    """Per-class F1; NaN for a class neither present nor predicted."""
    matrix = np.asarray(matrix, dtype=np.float64)
    tp = np.diag(matrix)
    fp = matrix.sum(0) - tp
    fn = matrix.sum(1) - tp
    denom = 2 * tp + fp + fn
    with np.errstate(invalid='ignore', divide='ignore'):
        return np.where(denom > 0, 2 * tp / denom, np.nan)


@METRICS.register_module()
class FaceParsingF1(BaseMetric):
    """Pooled per-class F1 and its means, with a per-class table in the log.

    Args:
        ignore_index (int): Label value that is not scored.
        exclude (Sequence[str]): Classes left out of ``f1_mean``.
        exclude_wo_hair (Sequence[str]): Classes left out of
            ``f1_mean_wo_hair`` (reported when all of them exist).
        collect_device (str): Where ranks gather their matrices.
        prefix (str, optional): Metric name prefix.
    """
    default_prefix = ''

    def __init__(self, ignore_index=255, exclude=('background', ),
                 exclude_wo_hair=('background', 'hair'),
                 collect_device='cpu', prefix=None):
        super().__init__(collect_device=collect_device, prefix=prefix)
        self.ignore_index = ignore_index
        self.exclude = tuple(exclude)
        self.exclude_wo_hair = tuple(exclude_wo_hair)

    def process(self, data_batch, data_samples):
        num_classes = len(self.dataset_meta['classes'])
        for sample in data_samples:
            pred = sample['pred_sem_seg']['data'].squeeze(0)
            label = sample['gt_sem_seg']['data'].squeeze(0).to(pred.device)
            if pred.shape != label.shape:
                raise ValueError(
                    f'{sample.get("img_path")}: prediction {tuple(pred.shape)}'
                    f' and label {tuple(label.shape)} differ in size; '
                    'predictions must be on the original image grid')
            self.results.append(confusion_matrix(
                pred, label, num_classes, self.ignore_index))

    def compute_metrics(self, results):
        classes = list(self.dataset_meta['classes'])
        f1 = f1_from_confusion(np.sum(results, axis=0))
        metrics = {'f1_mean': self._mean(f1, classes, self.exclude)}
        if set(self.exclude_wo_hair) <= set(classes):
            metrics['f1_mean_wo_hair'] = self._mean(f1, classes,
                                                    self.exclude_wo_hair)
        metrics.update({f'f1_{name}': round(float(v) * 100, 2)
                        for name, v in zip(classes, f1)})
        table = PrettyTable(['Class', 'F1'])
        for name, value in zip(classes, f1):
            table.add_row([name, round(float(value) * 100, 2)])
        for key in ('f1_mean', 'f1_mean_wo_hair'):
            if key in metrics:
                table.add_row([key[3:], metrics[key]])
        logger = MMLogger.get_current_instance()
        print_log('per-class F1 (%), one confusion matrix over the test set:',
                  logger)
        print_log('\n' + table.get_string(), logger=logger)
        return metrics

    @staticmethod
    def _mean(f1, classes, exclude):
        kept = [v for name, v in zip(classes, f1) if name not in exclude]
        return round(float(np.nanmean(kept)) * 100, 2)
