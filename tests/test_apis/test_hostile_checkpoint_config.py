"""A checkpoint of plain tensors whose saved config (``meta['cfg']``) is code
runs none of it through any path that reads that config: the face demo
without ``--configs``, the task model initialiser behind it,
``FaRLEncoder.from_checkpoint`` and the Grad-CAM tool. Each refuses with an
error naming the file and leaves no marker. (farl_mm.utils.saved_config
through farl_mm.apis.face_tasks and farl_mm.apis.encoder.)"""
import os.path as osp
import runpy
import shlex
import sys
from unittest import mock

import cv2
import numpy as np
import pytest
import torch
from mmengine.config import Config

from farl_mm.utils.saved_config import UnsafeConfigError

sys.path.insert(0, osp.join(osp.dirname(__file__), '..', 'helpers'))
import farl_checkpoints  # noqa: E402

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


def _hostile_cfg(marker, model):
    """Looks like a Runner's ``pretty_text``; one line runs a command."""
    text = Config(dict(model=model)).pretty_text
    command = f'touch {shlex.quote(str(marker))}'
    return f"{text}__import__('os').system({command!r})\n"


@pytest.fixture
def hostile(tmp_path):
    """``(path, marker)``: farl_mm FaRL weights (plain tensors) with a
    command in ``meta['cfg']``."""
    marker = tmp_path / 'MARKER'
    cfg = farl_checkpoints.farl_cfg()
    path = tmp_path / 'hostile.pth'
    model = farl_checkpoints.save_pretraining_checkpoint(path, cfg)
    torch.save(dict(meta=dict(cfg=_hostile_cfg(marker, cfg)),
                    state_dict=model.state_dict()), path)
    return str(path), marker


def _refused(hostile, load):
    path, marker = hostile
    with pytest.raises(UnsafeConfigError, match='was not read') as err:
        load(path)
    assert str(err.value).startswith(f'{path}: its saved config')
    assert '__import__' in str(err.value)
    assert not marker.exists()


def test_control_executing_the_saved_config_runs_the_command(hostile):
    path, marker = hostile
    Config.fromstring(torch.load(path, weights_only=True)['meta']['cfg'],
                      '.py')
    assert marker.exists()


def test_config_of_checkpoint(hostile):
    from farl_mm.apis.face_inputs import config_of_checkpoint
    _refused(hostile, config_of_checkpoint)


@pytest.mark.parametrize('task', ['parsing', 'alignment', 'attributes'])
def test_task_model_initialiser(hostile, task):
    from farl_mm.apis import init_task_model
    _refused(hostile, lambda path: init_task_model(task, path))


def test_face_demo_without_configs(hostile, tmp_path):
    photo = tmp_path / 'face.png'
    cv2.imwrite(str(photo), np.full((64, 64, 3), 128, np.uint8))
    script = osp.join(REPO, 'demo', 'face_demo.py')

    def run(path):
        argv = [script, str(photo), '--tasks', 'parsing', '--checkpoints',
                path, '--out', str(tmp_path / 'out')]
        with mock.patch.object(sys, 'argv', argv):
            runpy.run_path(script, run_name='__main__')

    _refused(hostile, run)
    assert not (tmp_path / 'out').exists()


def test_encoder(hostile):
    from farl_mm.apis import FaRLEncoder
    _refused(hostile, FaRLEncoder.from_checkpoint)


def test_gradcam_tool(hostile, tmp_path):
    photo = tmp_path / 'face.png'
    cv2.imwrite(str(photo), np.full((64, 64, 3), 128, np.uint8))
    script = osp.join(REPO, 'tools', 'visualization', 'gradcam.py')

    def run(path):
        argv = [script, str(photo), path, '--text', 'a face', '--out',
                str(tmp_path / 'cam.png')]
        with mock.patch.object(sys, 'argv', argv):
            runpy.run_path(script, run_name='__main__')

    _refused(hostile, run)
    assert not (tmp_path / 'cam.png').exists()
