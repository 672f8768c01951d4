"""farl_mm.utils.preflight, and farl_mm.engine.hooks.preflight_hook (the
hook that runs its checks before training only)."""
from unittest import mock

import pytest
from mmengine.runner import BaseLoop

from farl_mm.engine.hooks import PreflightHook
from farl_mm.utils.preflight import MissingInputError, require, require_all


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
