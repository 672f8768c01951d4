"""FairFace: age, gender and race of balanced face crops (paper §5)."""
import csv
import os.path as osp

from mmpretrain.datasets import BaseDataset

from farl_mm.registry import DATASETS
from farl_mm.utils.preflight import require

from .checks import UNKNOWN_CLASS, CheckedDataset, Problem, missing_files

#: Class names per task, in label order, spelt as FairFace's csv files.
FAIRFACE_TASKS = dict(
    age=('0-2', '3-9', '10-19', '20-29', '30-39', '40-49', '50-59', '60-69',
         'more than 70'),
    gender=('Male', 'Female'),
    race=('White', 'Black', 'Latino_Hispanic', 'East Asian',
          'Southeast Asian', 'Indian', 'Middle Eastern'))


@DATASETS.register_module()
class FairFaceDataset(CheckedDataset, BaseDataset):
    """FairFace's label csv (``file,age,gender,race,service_test``) with the
    images it names (``train/1.jpg``, relative to ``data_root``).

    ``gt_label`` is a dict ``{task: class index}`` for mmpretrain's
    ``PackMultiTaskInputs`` / ``MultiTaskHead``. FairFace publishes train
    and val only; the paper's Table 11 is on val. Loading names every
    csv line with an unknown class and every missing image.

    Args:
        data_root (str): Dataset root.
        ann_file (str): ``fairface_label_train.csv`` or
            ``fairface_label_val.csv``, relative to ``data_root``.
        **kwargs: ``pipeline``, ``test_mode``, ... of mmpretrain's
            ``BaseDataset``.
    """
    METAINFO = dict(tasks=FAIRFACE_TASKS)
    PREPARE = 'python tools/dataset_converters/fairface.py DATA_ROOT'

    def __init__(self, data_root, ann_file='fairface_label_train.csv',
                 **kwargs):
        super().__init__(ann_file=ann_file, data_root=data_root, **kwargs)

    def load_data_list(self):
        require(self.ann_file, self.PREPARE)
        with open(self.ann_file, newline='') as f:
            rows = list(csv.DictReader(f))
        needed = {'file', *FAIRFACE_TASKS}
        if not rows or not needed <= set(rows[0]):
            raise ValueError(f'{self.ann_file}: expected the columns '
                             f'{sorted(needed)}')
        data_list, problems = [], []
        for line, row in enumerate(rows, start=2):
            labels = {}
            for task, classes in FAIRFACE_TASKS.items():
                if row[task] in classes:
                    labels[task] = classes.index(row[task])
                else:
                    problems.append(Problem(
                        UNKNOWN_CLASS, self.ann_file, f'unknown {task} '
                        f'{row[task]!r}; expected one of {classes}', line))
            data_list.append(dict(
                img_path=osp.join(self.data_root, row['file']),
                gt_label=labels))
        self.report_problems(problems + missing_files(
            info['img_path'] for info in data_list))
        return data_list
