"""``farl_mm.utils.pickle_io``: prediction pickles read as data only."""
import os
import pickle
import shlex

import numpy as np
import pytest
import torch

from farl_mm.utils.checkpoint_io import UnsafeCheckpointError
from farl_mm.utils.pickle_io import load_pickle_file


def test_plain_data_reads_back(tmp_path):
    data = [dict(pred_score=torch.tensor([0.25, 0.75]), img_path='a.png',
                 gt=np.array([1, 0], dtype=np.uint8), raw=b'\x00\xff',
                 empty=b'', nested=(1, 2.5, None))]
    path = tmp_path / 'preds.pkl'
    path.write_bytes(pickle.dumps(data, protocol=2))
    read, = load_pickle_file(path)
    assert torch.equal(read['pred_score'], torch.tensor([0.25, 0.75]))
    assert read['gt'].tolist() == [1, 0] and read['gt'].dtype == np.uint8
    assert (read['img_path'], read['raw'], read['empty'], read['nested']) \
        == ('a.png', b'\x00\xff', b'', (1, 2.5, None))


class RunsCodeOnLoad:

    def __init__(self, marker):
        self.marker = str(marker)

    def __reduce__(self):
        return os.system, (f'touch {shlex.quote(self.marker)}', )


def test_code_is_refused_and_not_run(tmp_path):
    marker, path = tmp_path / 'MARKER', tmp_path / 'preds.pkl'
    path.write_bytes(pickle.dumps([RunsCodeOnLoad(marker)]))
    with pytest.raises(UnsafeCheckpointError,
                       match=f'Refused to read {path}: it needs '
                       'posix.system'):
        load_pickle_file(path)
    assert not marker.exists()
