"""What the face-parsing datasets share: a clear stop when data is missing,
and the left/right class pairs a horizontal flip must swap."""
import os.path as osp

from mmseg.datasets import BaseSegDataset

from farl_mm.utils.preflight import MissingInputError, require


class FaceParsingDataset(BaseSegDataset):
    """mmseg's folder dataset that names the missing folder and the fix.

    Without data, ``BaseSegDataset`` yields an empty dataset and the run
    fails much later in the sampler; this one stops while the Runner builds
    its loaders.

    Subclasses set ``METAINFO`` (``classes``, ``palette``, ``flip_pairs``:
    class-id pairs that trade places when the image is mirrored) and
    ``PREPARE`` (the command that prepares the folders).
    """
    PREPARE = ''

    def load_data_list(self):
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
        return data_list
