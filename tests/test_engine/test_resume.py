"""``tools/train.py --resume`` in a work dir whose latest checkpoint was
damaged (a kill mid-write before saves were atomic, a full disk, a copy cut
short): auto-resume falls back to the newest checkpoint that loads and says
so; a damaged ``--resume PATH`` is an error naming it and the way out."""
import os.path as osp
import sys
from unittest import mock

import pytest
import torch
from mmengine.config import Config

from farl_mm.engine import resume

sys.path.insert(0, osp.join(osp.dirname(__file__), '..', 'helpers'))
import tiny_lapa  # noqa: E402
import toy_train  # noqa: E402


@pytest.fixture(scope='module')
def trained(tmp_path_factory):
    """A toy run's work dir: ``iter_4.pth``, ``iter_8.pth`` (the latest)."""
    tmp_path = tmp_path_factory.mktemp('resume_fallback')
    config = toy_train.write_config(tmp_path, max_iters=8, interval=4)
    tiny_lapa.tool_inline('train.py', config, '--work-dir', tmp_path / 'work')
    return config, tmp_path / 'work'


@pytest.fixture
def work(trained, tmp_path):
    work = tmp_path / 'work'
    tiny_lapa.copy_work_dir(trained[1], work)
    (work / 'last_checkpoint').write_text(str(work / 'iter_8.pth'))
    return work


def _truncate(path):
    data = path.read_bytes()
    path.write_bytes(data[:len(data) // 2])


def _resume(trained, work, *args):
    """Resume to iteration 12; returns the warnings of the resume step."""
    with mock.patch.object(resume, 'print_log',
                           wraps=resume.print_log) as log:
        tiny_lapa.tool_inline(
            'train.py', trained[0], '--work-dir', work, *args,
            '--cfg-options', 'train_cfg.max_iters=12')
    return '\n'.join(call.args[0] for call in log.call_args_list)


def test_truncated_latest_checkpoint_falls_back_to_the_previous(
        trained, work):
    _truncate(work / 'iter_8.pth')
    said = _resume(trained, work, '--resume')
    assert tiny_lapa.train_iters(work) == list(range(5, 13))
    assert f'skipped {work / "iter_8.pth"}: ValueError: truncated' in said
    assert f'resuming from {work / "iter_4.pth"}, the newest intact' in said


def test_empty_last_checkpoint_falls_back_to_the_newest(trained, work):
    (work / 'last_checkpoint').write_text('')
    said = _resume(trained, work, '--resume')
    assert tiny_lapa.train_iters(work) == list(range(9, 13))
    assert f'skipped {work / "last_checkpoint"}: ' \
        f'{work / "last_checkpoint"} is empty' in said


def test_unreadable_given_checkpoint_is_an_error_naming_it(trained, work):
    _truncate(work / 'iter_8.pth')
    with pytest.raises(resume.UnreadableCheckpointError) as err:
        _resume(trained, work, '--resume', work / 'iter_8.pth')
    assert str(err.value).startswith(
        f'Cannot resume from {work / "iter_8.pth"}: ValueError: truncated')
    assert f'resume with --resume {work / "iter_4.pth"}' in str(err.value)


def test_no_readable_checkpoint_is_an_error(trained, work):
    for name in ('iter_4.pth', 'iter_8.pth'):
        _truncate(work / name)
    with pytest.raises(resume.UnreadableCheckpointError,
                       match='no checkpoint in .* can be read'):
        _resume(trained, work, '--resume')


def _config(tmp_path, **kwargs):
    return Config(dict(resume=True, load_from=None, work_dir=str(tmp_path),
                       **kwargs))


def test_nothing_to_resume_starts_afresh(tmp_path):
    torch.save({'state_dict': {}}, tmp_path / 'weights.pth')  # no meta
    cfg = resume.resolve_resume(_config(tmp_path))
    assert cfg.load_from is None and 'randomness' not in cfg


@pytest.mark.parametrize('randomness', [None, dict(seed=1)])
def test_the_checkpoint_seed_is_the_runs_seed(tmp_path, randomness):
    """MMEngine itself warns and takes the checkpoint's seed, but only once
    the samplers were seeded with the config's (or a new random) one."""
    torch.save({'meta': dict(iter=4, seed=1234)}, tmp_path / 'iter_4.pth')
    cfg = resume.resolve_resume(_config(
        tmp_path, randomness=randomness or {}))
    assert cfg.load_from == str(tmp_path / 'iter_4.pth')
    assert cfg.randomness.seed == 1234
