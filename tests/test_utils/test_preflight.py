"""farl_mm.utils.preflight, and farl_mm.engine.hooks.preflight_hook (the
hook that runs its checks before training only)."""
import os.path as osp
import runpy
import sys
from unittest import mock

import pytest
from mmengine.config import Config
from mmengine.runner import BaseLoop

from farl_mm.engine.hooks import PreflightHook
from farl_mm.utils.preflight import (MissingInputError, check_config_inputs,
                                     config_inputs, require, require_all)


def test_require_names_path_and_command(tmp_path):
    assert require(str(tmp_path), 'unused') == str(tmp_path)
    with pytest.raises(MissingInputError) as err:
        require_all({str(tmp_path / 'a.pth'): ('make a', 'weights'),
                     str(tmp_path / 'b.json'): 'make b'})
    text = str(err.value)
    assert f'weights not found: {tmp_path / "a.pth"}' in text
    assert 'make a' in text and 'make b' in text
    assert isinstance(err.value, FileNotFoundError)


def test_hook_checks_only_when_training(tmp_path):
    hook = PreflightHook({str(tmp_path / 'w.pth'): 'convert it'})
    testing = mock.Mock(_train_loop=None)
    hook.before_run(testing)  # a test run loads a whole checkpoint
    training = mock.Mock(_train_loop=mock.Mock(spec=BaseLoop))
    with pytest.raises(MissingInputError, match='convert it'):
        hook.before_run(training)
    with pytest.raises(MissingInputError):
        PreflightHook({str(tmp_path / 'w.pth'): 'x'},
                      train_only=False).before_run(testing)


def _missing_message(cfg, train=True):
    with pytest.raises(MissingInputError) as err:
        check_config_inputs(cfg, train)
    return str(err.value)


@pytest.mark.parametrize('config, data, fix', [
    ('farl/lapa_upernet.py', 'LaPaDataset data_root',
     'tools/dataset_converters/lapa.py'),
    ('farl/aflw19_upernet.py', 'FaRLAFLW19Dataset data_root',
     'tools/dataset_converters/aflw19.py'),
    ('farl/celeba_attributes.py', 'CelebADataset data_root',
     'tools/dataset_converters/celeba.py'),
])
def test_task_config_names_missing_data_and_weights_at_once(
        repo_root, tmp_path, config, data, fix):
    """One message with both the data and the FaRL weights, each with its
    fix, before the Runner builds (and fails on) the first of them."""
    cfg = Config.fromfile(osp.join(repo_root, 'configs', config))
    root = str(tmp_path / 'absent_data')
    for key in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        cfg[key].dataset.data_root = root
    text = _missing_message(cfg)
    assert f'{data} not found: {root}' in text
    assert fix in text and 'README.md, "Data preparation"' in text
    weights = osp.abspath('checkpoints/farl_b16_ep64.pth')
    if not osp.exists(weights):  # as on a fresh clone
        assert text.startswith('2 inputs of this run are missing:')
        assert f'FaRL weights not found: {weights}' in text
        assert 'tools/model_converters/farl2mm.py' in text


def test_pretraining_config_names_shards_and_tokenizer_weights(
        repo_root, tmp_path):
    cfg = Config.fromfile(osp.join(
        repo_root, 'configs/farl/farl_vit-b16_laion-face20m_pretrain.py'))
    cfg.train_dataloader.dataset.data_root = str(tmp_path / 'shards')
    cfg.model.target_generator.checkpoint = str(tmp_path / 'dalle.pth')
    text = _missing_message(cfg)
    assert f'LAIONFaceDataset data_root not found: {tmp_path}/shards' in text
    assert 'laion_face_shards.py' in text
    assert f'weights not found: {tmp_path}/dalle.pth' in text
    assert 'README.md, "Pretrained weights"' in text


def test_config_inputs_of_a_prepared_run_pass(tmp_path):
    """Present files pass; a test run needs neither init weights nor the
    train data; the hook's command wins over the generic pointer."""
    (tmp_path / 'data' / 'imgs').mkdir(parents=True)
    (tmp_path / 'data' / 'ann.txt').write_text('')
    weights = str(tmp_path / 'w.pth')
    dataset = dict(type='farl_mm.FairFaceDataset', ann_file='ann.txt',
                   data_root=str(tmp_path / 'data'))
    cfg = Config(dict(
        model=dict(backbone=dict(init_cfg=dict(type='Pretrained',
                                               checkpoint=weights))),
        custom_hooks=[dict(type='farl_mm.PreflightHook',
                           files={weights: ('convert w', 'FaRL weights')})],
        train_dataloader=dict(dataset=dataset),
        test_dataloader=dict(dataset=dict(dataset, data_root='nowhere'))))
    assert config_inputs(cfg)[weights] == ('convert w', 'FaRL weights')
    assert str(tmp_path / 'data' / 'ann.txt') in config_inputs(cfg)
    text = _missing_message(cfg)
    assert text.startswith('FaRL weights not found') and 'convert w' in text
    open(weights, 'w').close()
    check_config_inputs(cfg)
    assert 'FairFaceDataset data_root not found' in _missing_message(
        cfg, train=False)


def test_train_tool_stops_before_the_runner(repo_root, tmp_path,
                                            monkeypatch):
    """tools/train.py checks the whole config first: no Runner, no log."""
    train = runpy.run_path(osp.join(repo_root, 'tools', 'train.py'))
    root = str(tmp_path / 'absent')
    monkeypatch.setattr(sys, 'argv', [
        'train.py', osp.join(repo_root, 'configs/farl/lapa_upernet.py'),
        '--work-dir', str(tmp_path / 'run'), '--cfg-options',
        *(f'{k}_dataloader.dataset.data_root={root}'
          for k in ('train', 'val', 'test'))])
    with mock.patch.dict(train['main'].__globals__,
                         build_runner=mock.Mock()) as scope:
        with pytest.raises(MissingInputError, match='LaPaDataset data_root'):
            train['main']()
        scope['build_runner'].assert_not_called()
    assert not (tmp_path / 'run').exists()
