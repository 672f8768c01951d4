"""``mim search / train / test farl_mm``: openmim finds the package's
configs, tools and model-index.yml in ``farl_mm/.mim`` (setup.py's
``add_mim_extension``; the Makefile links the editable install into
site-packages, where mim looks).

One real run (``mim test`` on a checkpoint of the tiny LaPa config, built
here); ``mim train`` is checked up to the command it launches, since a
real run repeats ``tests/test_tools/test_train_test.py``'s training."""
import importlib
import json
import os.path as osp
import sys
from unittest import mock

import pytest
import torch
import yaml

sys.path.insert(0, osp.join(osp.dirname(__file__), '..', 'helpers'))
import tiny_lapa  # noqa: E402

REPO = tiny_lapa.REPO
CONFIG_NAME = osp.basename(tiny_lapa.CONFIG)


def mim(*args, cwd):
    """``python -m mim ARGS`` in a fresh process; its output on success."""
    proc = tiny_lapa.run([sys.executable, '-m', 'mim', *args], cwd=cwd)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return proc.stdout


def test_mim_finds_the_package_files():
    from mim.utils import get_installed_path
    mim_dir = osp.join(get_installed_path('farl_mm'), '.mim')
    for name in ('configs', 'tools', 'model-index.yml'):
        assert osp.samefile(osp.join(mim_dir, name), osp.join(REPO, name))


def test_mim_search_lists_every_model(tmp_path):
    mim('search', 'farl_mm', '--json', tmp_path / 'models.json', cwd=tmp_path)
    with open(tmp_path / 'models.json') as f:
        configs = json.load(f)['config']  # pandas' layout: column -> row
    with open(osp.join(REPO, 'configs', 'farl', 'metafile.yml')) as f:
        models = yaml.safe_load(f)['Models']
    assert configs == {m['Name']: m['Config'] for m in models}


def test_mim_train_runs_the_package_train_script(tmp_path):
    """The config found by its name, ``tools/train.py`` run on it with the
    user's arguments, on the CPU launcher."""
    # the module (mim.commands re-exports its function under the same name)
    mim_train = importlib.import_module('mim.commands.train')
    with mock.patch.object(mim_train.subprocess, 'check_output',
                           return_value=b'usage: train.py') as helps, \
            mock.patch.object(mim_train.subprocess, 'check_call',
                              return_value=0) as calls:
        ok, _ = mim_train.train('farl_mm', CONFIG_NAME, gpus=0,
                                other_args=('--work-dir', str(tmp_path)))
    assert ok
    cmd = calls.call_args.args[0]
    script = osp.join(REPO, 'tools', 'train.py')
    assert osp.samefile(helps.call_args.args[0][1], script)
    assert cmd[0] == sys.executable and osp.samefile(cmd[1], script)
    assert osp.samefile(cmd[2], tiny_lapa.CONFIG)
    assert cmd[3:] == ['--launcher', 'none', '--work-dir', str(tmp_path)]


@pytest.fixture(scope='module')
def checkpoint(tmp_path_factory):
    """The tiny config's model with seeded random weights, as a Runner saves
    it (no training: ``mim test`` only has to load and evaluate it)."""
    from mmengine.config import Config
    from mmengine.registry import init_default_scope
    from mmseg.registry import MODELS

    import farl_mm  # noqa: F401  (registers farl_mm's modules)
    init_default_scope('mmseg')
    torch.manual_seed(0)
    model = MODELS.build(Config.fromfile(tiny_lapa.CONFIG).model)
    path = tmp_path_factory.mktemp('mim_ckpt') / 'tiny.pth'
    torch.save(dict(meta=dict(iter=0), state_dict=model.state_dict()), path)
    return path


def test_mim_test_evaluates_a_checkpoint(checkpoint, tmp_path):
    data_root = tiny_lapa.make_lapa(tmp_path / 'lapa')
    work_dir = tmp_path / 'test'
    out = mim('test', 'farl_mm', CONFIG_NAME, '--checkpoint', checkpoint,
              '--work-dir', work_dir, *tiny_lapa.cfg_options(data_root),
              cwd=tmp_path)
    assert 'tools/test.py' in out
    metrics = tiny_lapa.saved_metrics(work_dir)
    assert {'aAcc', 'mIoU', 'mFscore'} <= set(metrics)
    assert 0 < metrics['aAcc'] <= 100
