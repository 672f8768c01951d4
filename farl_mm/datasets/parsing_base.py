"""What the face-parsing datasets share: a clear stop when data is missing
or wrong, and the left/right class pairs a horizontal flip must swap."""
import os.path as osp

import numpy as np
from mmseg.datasets import BaseSegDataset

from farl_mm.utils.preflight import MissingInputError, require

from .checks import (CheckedDataset, label_size_problems,
                     label_value_problems, missing_files,
                     parsing_sample_problems)


class FaceParsingDataset(CheckedDataset, BaseSegDataset):
    """mmseg's folder dataset that names the missing folder and the fix.

    Without data, ``BaseSegDataset`` yields an empty dataset and the run
    fails much later in the sampler; this one stops while the Runner builds
    its loaders. A missing label (or other per-sample file) stops it there
    too; a label map of another size than its image, or holding values
    outside the classes, stops the run when the sample is loaded, naming
    the file (else the first silently trains on a misaligned label and the
    second crashes in the loss). See :mod:`farl_mm.datasets.checks`.

    Subclasses set ``METAINFO`` (``classes``, ``palette``, ``flip_pairs``:
    class-id pairs that trade places when the image is mirrored) and
    ``PREPARE`` (the command that prepares the folders).
    """
    PREPARE = ''

    def load_data_list(self):
        self._sizes_checked = set()  # indices whose label size matched
        name = type(self).__name__
        for key, path in self.data_prefix.items():
            if path:
                require(path, self.PREPARE, f'{name} {key} folder')
        data_list = super().load_data_list()
        if not data_list:
            folder = osp.abspath(self.data_prefix.get('img_path', ''))
            raise MissingInputError(
                f'{name}: no *{self.img_suffix} images in {folder}\n'
                f'Prepare them with:\n    {self.PREPARE}')
        for info in data_list:
            self.add_sample_files(info)
        self.report_problems(missing_files(
            path for info in data_list
            for path in self.sample_files(info)[1:]))
        return data_list

    def add_sample_files(self, info):
        """Add the paths of a sample's extra files (none here)."""

    def sample_files(self, info):
        """The files a sample reads: its image first."""
        return [info[k] for k in ('img_path', 'seg_map_path') if info.get(k)]

    def sample_problems(self, info):
        return parsing_sample_problems(info, len(self.metainfo['classes']))

    def prepare_data(self, idx):
        """The pipeline's output; the label's size is checked from the
        file headers first (until the sample passes once), its values on
        the output (the pixels that reach the loss or the metric: a bad
        value the training crop leaves out is caught at test time, when
        labels are not warped)."""
        info = self.get_data_info(idx)
        label_path = info.get('seg_map_path')
        if label_path and idx not in self._sizes_checked:
            problems = label_size_problems(info['img_path'], label_path)
            self.report_problems(problems)
            if not problems:
                self._sizes_checked.add(idx)
        results = self.pipeline(info)
        if label_path and results is not None:
            self.report_problems(label_value_problems(
                label_path, _label_of(results),
                len(self.metainfo['classes'])))
        return results


def _label_of(results):
    """The label map of a pipeline's output, packed or not."""
    sample = results.get('data_samples')
    if sample is not None and 'gt_sem_seg' in sample:
        return sample.gt_sem_seg.data.numpy()
    return np.asarray(results.get('gt_seg_map', ()))
