"""Face-attribute accuracies as the FaRL paper reports them (§3.5, §5)."""
from typing import Optional, Sequence

import numpy as np
from mmengine.evaluator import BaseMetric
from mmengine.logging import print_log
from mmpretrain.structures import label_to_onehot
from prettytable import PrettyTable

from farl_mm.registry import METRICS


def _table(header, rows):
    table = PrettyTable(header)
    for row in rows:
        table.add_row(row)
    return '\n' + table.get_string()


@METRICS.register_module()
class AttributeAccuracy(BaseMetric):
    """Mean over attributes of the per-attribute accuracy ``(TP + TN) / N``.

    An attribute is predicted present when its sigmoid score exceeds
    ``thr`` (0.5, the CelebA / LFWA protocol). mmpretrain's
    ``MultiLabelMetric`` reports precision / recall / F1 instead, which is
    not the number the attribute literature compares. The per-attribute
    table goes to the log.

    Args:
        thr (float): Score threshold.
        per_attribute (bool): Also return ``acc_<name>`` for every attribute
            (the names come from the dataset's ``classes``).
        collect_device (str): Where results are gathered across ranks.
        prefix (str, optional): Prefix of the returned keys.
    """
    default_prefix = 'attr'

    def __init__(self, thr=0.5, per_attribute=False, collect_device='cpu',
                 prefix: Optional[str] = None):
        super().__init__(collect_device=collect_device, prefix=prefix)
        self.thr = thr
        self.per_attribute = per_attribute

    def process(self, data_batch, data_samples: Sequence[dict]):
        for sample in data_samples:
            score = sample['pred_score'].detach().cpu().numpy()
            if 'gt_score' in sample:
                gt = sample['gt_score'].cpu().numpy() > 0.5
            else:
                gt = label_to_onehot(sample['gt_label'].cpu(),
                                     len(score)).numpy() > 0
            self.results.append((score > self.thr) == gt)

    def compute_metrics(self, results: list) -> dict:
        correct = np.stack(results)  # (N, num_attributes) bool
        per_attr = correct.mean(0) * 100
        names = (self.dataset_meta or {}).get('classes') or [
            f'attr_{i}' for i in range(len(per_attr))]
        if len(names) != len(per_attr):
            raise ValueError(f'dataset has {len(names)} classes but the '
                             f'predictions have {len(per_attr)} scores')
        print_log(_table(['attribute', 'accuracy'],
                         [[n, f'{a:.2f}'] for n, a in zip(names, per_attr)]),
                  logger='current')
        metrics = dict(mAcc=float(per_attr.mean()))
        if self.per_attribute:
            metrics.update(
                {f'acc_{n}': float(a) for n, a in zip(names, per_attr)})
        return metrics


@METRICS.register_module()
class FairFaceAccuracy(BaseMetric):
    """Per-task accuracy on FairFace, overall and per race group (Table 11).

    The predictions come from a ``MultiTaskHead`` (one data sample per task).
    For every task: accuracy over all faces, over ``White`` faces, over the
    other six races pooled (``Non-White``, as CLIP and FaRL define it) and
    per race; ``disc = NonWhite - White`` is the discrepancy column of
    Table 11.

    Args:
        race_classes (Sequence[str], optional): Class names of the race
            task, in label order; by default the dataset's
            ``tasks[race_task]`` (:class:`farl_mm.datasets.FairFaceDataset`).
        tasks (Sequence[str]): Task names to score.
        race_task (str): The task whose ground truth defines the groups.
        white (str): Name of the White class in the race task's classes.
        collect_device (str): Where results are gathered across ranks.
        prefix (str, optional): Prefix of the returned keys.
    """
    default_prefix = 'fairface'

    def __init__(self,
                 race_classes: Optional[Sequence[str]] = None,
                 tasks=('age', 'gender', 'race'),
                 race_task='race',
                 white='White',
                 collect_device='cpu',
                 prefix: Optional[str] = None):
        super().__init__(collect_device=collect_device, prefix=prefix)
        self.tasks = tuple(tasks)
        self.race_task = race_task
        self.white = white
        self.race_classes = race_classes
        if race_classes is not None:
            self._white_index(race_classes)

    def _white_index(self, race_classes):
        if self.white not in race_classes:
            raise ValueError(f'{self.white!r} is not one of {race_classes}')
        return list(race_classes).index(self.white)

    def process(self, data_batch, data_samples: Sequence[dict]):
        for sample in data_samples:
            result = dict(race_gt=int(sample[self.race_task]['gt_label']))
            for task in self.tasks:
                pred = sample[task]['pred_label']
                result[task] = int(pred) == int(sample[task]['gt_label'])
            self.results.append(result)

    def compute_metrics(self, results: list) -> dict:
        race_classes = self.race_classes
        if race_classes is None:
            race_classes = self.dataset_meta['tasks'][self.race_task]
        white = self._white_index(race_classes)
        race = np.array([r['race_gt'] for r in results])
        groups = {'White': race == white, 'NonWhite': race != white}
        groups.update({name: race == i
                       for i, name in enumerate(race_classes)})
        metrics, rows = {}, []
        for task in self.tasks:
            correct = np.array([r[task] for r in results], dtype=float)
            metrics[f'{task}_acc'] = correct.mean() * 100
            for group, mask in groups.items():
                acc = correct[mask].mean() * 100 if mask.any() else np.nan
                metrics[f'{task}_acc_{group}'] = acc
            metrics[f'{task}_disc'] = (metrics[f'{task}_acc_NonWhite'] -
                                       metrics[f'{task}_acc_White'])
            rows.append([task] + [f'{metrics[f"{task}_{k}"]:.2f}' for k in (
                'acc_White', 'acc_NonWhite', 'acc', 'disc')])
        print_log(_table(['task', 'White', 'Non-White', 'Average',
                          'Discrepancy'], rows), logger='current')
        return {k: float(v) for k, v in metrics.items()}
