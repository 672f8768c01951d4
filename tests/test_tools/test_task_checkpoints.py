"""``tools/train.py`` names the task in its checkpoints and saves a config
that reads as data; ``tools/test.py`` refuses another task's checkpoint or
one without the head's weights (mmengine only warned and tested a random
head); its ``--dump`` reads back through the report's allow-list."""
import os.path as osp
import sys

import mmengine
import pytest
import torch
from mmengine.config import Config

from farl_mm.utils.checkpoint_io import load_checkpoint_file
from farl_mm.utils.checkpoint_task import (MissingWeightsError,
                                           TaskMismatchError)
from farl_mm.utils.saved_config import read_saved_config

sys.path.insert(0, osp.join(osp.dirname(__file__), '..', 'helpers'))
import tiny_lapa  # noqa: E402

CONFIG = tiny_lapa.CONFIG


@pytest.fixture(scope='module')
def lapa(tmp_path_factory):
    return tiny_lapa.make_lapa(tmp_path_factory.mktemp('task_lapa'))


@pytest.fixture(scope='module')
def checkpoint(lapa, tmp_path_factory):
    """``iter_2.pth`` of a 2-iteration ``tools/train.py`` run (mmseg)."""
    work_dir = tmp_path_factory.mktemp('task_train')
    tiny_lapa.tool_inline('train.py', CONFIG, '--work-dir', work_dir,
                          *tiny_lapa.cfg_options(lapa, max_iters=2))
    return work_dir / 'iter_2.pth'


def _test(checkpoint, lapa, work_dir, *args):
    tiny_lapa.tool_inline('test.py', CONFIG, checkpoint, '--work-dir',
                          work_dir, *args, *tiny_lapa.cfg_options(lapa))


def test_train_names_the_task_and_saves_a_data_config(checkpoint):
    meta = load_checkpoint_file(checkpoint)['meta']
    assert meta['farl_mm_task'] == 'parsing'
    executed = Config.fromstring(meta['cfg'], '.py').to_dict()
    read = read_saved_config(meta['cfg'], str(checkpoint)).to_dict()
    assert read == executed and repr(read) == repr(executed)
    assert read['model']['decode_head']['num_classes'] == 11


def test_test_dump_reads_back_as_data(checkpoint, lapa, tmp_path):
    from farl_mm.utils.demo_report import load_dump
    _test(checkpoint, lapa, tmp_path / 'work', '--dump',
          tmp_path / 'preds.pkl')
    read, pickled = load_dump(str(tmp_path)), mmengine.load(
        tmp_path / 'preds.pkl')
    assert len(read) == tiny_lapa.SPLITS['test'] == len(pickled)
    for ours, theirs in zip(read, pickled):
        assert ours['img_path'] == theirs['img_path']
        assert torch.equal(ours['pred_sem_seg']['data'],
                           theirs['pred_sem_seg']['data'])


def test_test_refuses_another_tasks_checkpoint(checkpoint, lapa, tmp_path):
    saved = load_checkpoint_file(checkpoint)
    path = tmp_path / 'named_alignment.pth'
    torch.save(dict(state_dict=saved['state_dict'],
                    meta=dict(farl_mm_task='alignment')), path)
    with pytest.raises(TaskMismatchError, match=f'{path} is an alignment '
                       'checkpoint, not a parsing one'):
        _test(path, lapa, tmp_path / 'work')


def test_test_refuses_a_checkpoint_without_the_head(checkpoint, lapa,
                                                    tmp_path):
    saved = load_checkpoint_file(checkpoint)
    path = tmp_path / 'backbone_only.pth'
    torch.save(dict(state_dict={k: v for k, v in saved['state_dict'].items()
                                if k.startswith('backbone.')}), path)
    with pytest.raises(MissingWeightsError,
                       match=f'{path} has no weights for') as err:
        _test(path, lapa, tmp_path / 'work')
    assert 'decode_head.conv_seg' in str(err.value)
