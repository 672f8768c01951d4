"""Face-parsing F1 as FaRL reports it (paper Tables 4, 5, 12).

Per class ``F1 = 2 TP / (2 TP + FP + FN)`` from the pixel counts summed
over every test image and every rank (not a mean of per-image scores, which
weights small faces like large ones), then the mean over the classes
without background, and without background and hair.

The counting, the gathering over ranks and the prediction PNGs
(``output_dir``) are mmseg's ``IoUMetric``; F1 is its ``Dice``,
``2 I / (P + L)`` of the pooled areas, which is ``2 TP / (2 TP + FP + FN)``
exactly. (Its ``Fscore``, ``2 P R / (P + R)`` of precision and recall,
differs where it matters here: a class labelled but never predicted, or
predicted but never labelled, gets NaN there and 0 here, so the means
would skip the classes a model misses.)
"""
import os

import numpy as np
import torch
from mmengine.logging import MMLogger, print_log
from mmseg.evaluation import IoUMetric
from prettytable import PrettyTable

from farl_mm.registry import METRICS


@METRICS.register_module()
class FaceParsingF1(IoUMetric):
    """Pooled per-class F1 and its means, with a per-class table in the log.

    Args:
        ignore_index (int): Label value that is not scored.
        exclude (Sequence[str]): Classes left out of ``f1_mean``.
        exclude_wo_hair (Sequence[str]): Classes left out of
            ``f1_mean_wo_hair`` (reported when all of them exist).
        output_dir (str, optional): Also write each prediction there as a
            label PNG (uint8 class ids on the original image's grid, named
            after its image), for rescoring elsewhere.
        format_only (bool): Only write the PNGs (no labels needed).
        collect_device (str): Where ranks gather their counts.
        prefix (str, optional): Metric name prefix.
    """
    default_prefix = ''

    def __init__(self, ignore_index=255, exclude=('background', ),
                 exclude_wo_hair=('background', 'hair'), output_dir=None,
                 format_only=False, collect_device='cpu', prefix=None):
        super().__init__(ignore_index=ignore_index, iou_metrics=['mDice'],
                         collect_device=collect_device, output_dir=output_dir,
                         format_only=format_only, prefix=prefix)
        self.exclude = tuple(exclude)
        self.exclude_wo_hair = tuple(exclude_wo_hair)
        if output_dir:  # every rank writes its own images (mmseg: rank 0)
            os.makedirs(output_dir, exist_ok=True)

    def process(self, data_batch, data_samples):
        """mmseg's per-image areas (and PNGs), once the prediction is
        known to lie on the label's grid."""
        for sample in data_samples:
            if self.format_only:
                break
            pred = sample['pred_sem_seg']['data'].squeeze(0)
            label = sample['gt_sem_seg']['data'].squeeze(0)
            if pred.shape != label.shape:
                raise ValueError(
                    f'{sample.get("img_path")}: prediction {tuple(pred.shape)}'
                    f' and label {tuple(label.shape)} differ in size; '
                    'predictions must be on the original image grid')
        super().process(data_batch, data_samples)

    def compute_metrics(self, results):
        if self.format_only:
            return super().compute_metrics(results)
        # per image, float32 counts are exact; their sum over a test set is
        # not, so pool in float64
        areas = torch.stack([torch.stack(r) for r in results]).double()
        f1 = self.total_area_to_metrics(*areas.sum(0), ['mDice'])['Dice']
        classes = list(self.dataset_meta['classes'])
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
        print_log('per-class F1 (%), pixel counts pooled over the test set:',
                  logger)
        print_log('\n' + table.get_string(), logger=logger)
        return metrics

    @staticmethod
    def _mean(f1, classes, exclude):
        kept = [v for name, v in zip(classes, f1) if name not in exclude]
        return round(float(np.nanmean(kept)) * 100, 2)
