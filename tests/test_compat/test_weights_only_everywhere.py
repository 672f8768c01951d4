"""Every way farl_mm loads a checkpoint refuses one whose unpickling would
run code, and runs none of it.

The crafted file's pickle calls ``os.system('touch MARKER')``; each entry
point must raise ``UnsafeCheckpointError`` naming the file and leave no
MARKER. (``tools/train.py --resume`` is in ``test_checkpoint.py``.) A
source audit keeps new code from calling ``torch.load``/``pickle.load`` (or
any unpickler) outside ``farl_mm.utils.checkpoint_io`` and
``farl_mm.utils.pickle_io``.
"""
import glob
import os
import os.path as osp
import pickle
import re
import runpy
import shlex
import shutil
import sys
from unittest import mock

import pytest
import torch
from mmengine.logging import HistoryBuffer
from mmengine.runner import CheckpointLoader

import farl_mm  # noqa: F401  (applies the patch)
from farl_mm.utils.checkpoint_io import UnsafeCheckpointError

sys.path.insert(0, osp.join(osp.dirname(__file__), '..', 'helpers'))
import tiny_lapa  # noqa: E402

REPO = tiny_lapa.REPO


class RunsCodeOnLoad:

    def __init__(self, marker):
        self.marker = str(marker)

    def __reduce__(self):
        return os.system, (f'touch {shlex.quote(self.marker)}', )


@pytest.fixture
def crafted(tmp_path):
    """``(path, marker)``: a checkpoint that looks like FaRL weights and,
    unpickled, touches ``marker``."""
    marker = tmp_path / 'MARKER'
    path = tmp_path / 'crafted.pth'
    torch.save(dict(meta=dict(iter=1), state_dict=dict(
        w=torch.zeros(1)), payload=RunsCodeOnLoad(marker)), path)
    return str(path), marker


@pytest.fixture(autouse=True)
def _isolated_runners():
    with tiny_lapa.mmengine_state_restored():
        yield


def _refused(crafted, load, name=None):
    path, marker = crafted
    with pytest.raises(UnsafeCheckpointError,
                       match=re.escape(f'Refused to load checkpoint '
                                       f'{name or path}')) as err:
        load(path)
    assert 'system' in str(err.value)
    assert not marker.exists()


def test_control_the_file_runs_code(crafted):
    path, marker = crafted
    torch.load(path, weights_only=False)
    assert marker.exists()


def test_runner_load_from(crafted, tmp_path):
    from mmengine.runner import Runner
    from torch import nn

    def load(path):
        Runner(model=nn.Linear(2, 1), work_dir=str(tmp_path / 'work'),
               experiment_name=f'load_from_{tmp_path.name}',
               load_from=path, default_scope='mmengine').load_or_resume()

    _refused(crafted, load)


def test_init_cfg_pretrained(crafted):
    from farl_mm.models.backbones.farl_vit import FaRLViT

    def load(path):
        FaRLViT(arch='tiny', img_size=32, init_cfg=dict(
            type='Pretrained', checkpoint=path)).init_weights()

    _refused(crafted, load)


@pytest.mark.parametrize('tool', ['farl2mm.py', 'farl_export.py'])
def test_converter_tools(crafted, tmp_path, tool):
    script = osp.join(REPO, 'tools', 'model_converters', tool)
    extra = ['--format', 'backbone'] if tool == 'farl_export.py' else []

    def load(path):
        argv = [script, path, str(tmp_path / 'out.pth'), *extra]
        with mock.patch.object(sys, 'argv', argv):
            runpy.run_path(script, run_name='__main__')

    _refused(crafted, load)
    assert not (tmp_path / 'out.pth').exists()


def test_apis_encoder(crafted):
    from farl_mm.apis import FaRLEncoder
    _refused(crafted, FaRLEncoder.from_checkpoint)


@pytest.mark.parametrize('config', [
    'lapa_upernet_tiny_synthetic.py', 'aflw19_upernet_tiny_synthetic.py'])
def test_apis_init_model(crafted, config):
    from farl_mm.apis import init_face_aligner, init_face_parser
    init = init_face_parser if 'lapa' in config else init_face_aligner
    config = osp.join(REPO, 'configs', 'farl', config)
    _refused(crafted, lambda path: init(config, path))


def test_urls_load_as_data(crafted, tmp_path, monkeypatch):
    """mmengine loads URLs with ``torch.hub.load_url``, which defaults to
    ``weights_only=False``: without the patch this ran the code."""
    path, marker = crafted
    monkeypatch.setenv('TORCH_HOME', str(tmp_path / 'torch'))
    cache = tmp_path / 'torch' / 'hub' / 'checkpoints'  # torch.hub's
    os.makedirs(cache)
    shutil.copy(path, cache / 'crafted.pth')
    url = 'https://example.invalid/crafted.pth'  # already "downloaded"
    _refused(crafted, lambda _: CheckpointLoader.load_checkpoint(url),
             name=url)

    # mmengine's own checkpoints still load from a URL (the allow-list)
    torch.save(dict(state_dict=dict(w=torch.ones(2)),
                    message_hub=dict(loss=HistoryBuffer([1.0], [1]))),
               cache / 'mmengine.pth')
    loaded = CheckpointLoader.load_checkpoint(
        'https://example.invalid/mmengine.pth')
    assert isinstance(loaded['message_hub']['loss'], HistoryBuffer)

    # control: mmengine's loader, unwrapped, runs the pickle
    CheckpointLoader._schemes['https://'].__wrapped__(url)
    assert marker.exists()


def test_demo_report_reads_predictions_as_data(tmp_path):
    """``run_demo.py --report-only`` reads each run's ``preds.pkl``: one
    whose unpickling runs code is refused (it was ``pickle.load``)."""
    from farl_mm.utils.demo_report import load_dump
    marker = tmp_path / 'MARKER'
    with open(tmp_path / 'preds.pkl', 'wb') as f:
        pickle.dump([dict(pred_score=torch.ones(2),
                          payload=RunsCodeOnLoad(marker))], f, protocol=2)
    with pytest.raises(UnsafeCheckpointError, match=re.escape(
            f'Refused to read {tmp_path / "preds.pkl"}: it needs ')) as err:
        load_dump(str(tmp_path))
    assert 'system' in str(err.value)
    assert not marker.exists()


# Files that may read pickles, and why.
PICKLE_READERS = {
    'farl_mm/utils/checkpoint_io.py': 'the one weights_only loader',
    'farl_mm/utils/pickle_io.py': 'the allow-list unpickler of predictions',
    'farl_mm/converters/torchscript_data.py': 'an allow-list unpickler of '
                                              'TorchScript archives',
}
UNSAFE_LOAD = re.compile(
    r'torch\.load\(|torch\.hub\.load|load_state_dict_from_url|'
    r'pickle\.loads?\(|Unpickler\(|(mmengine|fileio)\.load\(|'
    r'allow_pickle\s*=\s*True|weights_only\s*=\s*False|'
    r'torch\.jit\.load\(|dill\.load|joblib\.load')


def test_no_other_pickle_loads_in_the_sources():
    found = []
    for path in sorted(glob.glob(osp.join(REPO, '**', '*.py'),
                                 recursive=True)):
        rel = osp.relpath(path, REPO)
        if not rel.startswith(('farl_mm/', 'tools/', 'demo/')):
            continue
        if rel in PICKLE_READERS:
            continue
        with open(path, encoding='utf-8') as f:
            for number, line in enumerate(f, 1):
                code = line.split('#')[0]
                if UNSAFE_LOAD.search(code) and '``' not in code:
                    found.append(f'{rel}:{number}: {line.strip()}')
    assert not found, (
        'load checkpoints with farl_mm.utils.checkpoint_io.'
        'load_checkpoint_file (weights_only, allow-list):\n'
        + '\n'.join(found))
