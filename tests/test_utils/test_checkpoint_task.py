"""A checkpoint loads only into a model of its own task, with every tensor
the model has: the inference APIs refuse another task's checkpoint by name
(before building the model from its saved config), and a checkpoint
without the head's weights, instead of predicting from a random head.
Also covers farl_mm.engine.hooks.checkpoint_task_hook (the hook that
``tools/test.py`` adds)."""
import os.path as osp
import re
import sys
from types import SimpleNamespace

import pytest
import torch
from mmengine.config import Config

from farl_mm.utils.checkpoint_task import (MissingWeightsError,
                                           TaskMismatchError,
                                           task_of_model,
                                           task_of_state_dict)

sys.path.insert(0, osp.join(osp.dirname(__file__), '..', 'helpers'))
import farl_checkpoints  # noqa: E402

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CONFIGS = dict(
    parsing='lapa_upernet_tiny_synthetic.py',
    alignment='aflw19_upernet_tiny_synthetic.py',
    attributes='celeba_attributes_tiny_synthetic.py')
TASKS = ('pretrain', *CONFIGS)


def _config(task):
    return osp.join(REPO, 'configs', 'farl', CONFIGS[task])


def _init(task, *args):
    from farl_mm.apis import init_task_model
    return init_task_model(task, *args)


@pytest.fixture(scope='module')
def models(tmp_path_factory):
    """Task -> ``(model, checkpoint)``: tiny random models saved as a
    Runner saves them (config text, no task name: found from the keys)."""
    tmp = tmp_path_factory.mktemp('tasks')
    out = {}
    torch.manual_seed(0)
    for task in CONFIGS:
        model = _init(task, None, _config(task))
        path = str(tmp / f'{task}.pth')
        torch.save(dict(meta=dict(cfg=Config.fromfile(
            _config(task)).pretty_text), state_dict=model.state_dict()),
            path)
        out[task] = model, path
    path = str(tmp / 'pretrain.pth')
    out['pretrain'] = farl_checkpoints.save_pretraining_checkpoint(
        path, farl_checkpoints.farl_cfg()), path
    return out


def _mismatch(path, found, wanted):
    article = {t: 'an' if t[0] in 'aeiou' else 'a' for t in TASKS}
    return re.escape(f'{path} is {article[found]} {found} checkpoint, not '
                     f'{article[wanted]} {wanted} one')


def test_task_of_models_and_their_keys(models):
    for task, (model, _) in models.items():
        assert task_of_model(model) == task
        assert task_of_state_dict(model.state_dict()) == task
        wrapped = {f'module.{k}': v for k, v in model.state_dict().items()}
        assert task_of_state_dict(wrapped) == task
    backbone = {k: v for k, v in models['parsing'][0].state_dict().items()
                if k.startswith('backbone.')}
    assert task_of_state_dict(backbone) is None  # no head: not sure
    assert task_of_model(torch.nn.Linear(2, 2)) is None


PAIRS = [(wanted, found) for wanted in CONFIGS for found in TASKS
         if wanted != found]


@pytest.mark.parametrize('wanted, found', PAIRS)
def test_api_with_config_refuses_another_tasks_checkpoint(models, wanted,
                                                          found):
    path = models[found][1]
    with pytest.raises(TaskMismatchError,
                       match=_mismatch(path, found, wanted)):
        _init(wanted, path, _config(wanted))


@pytest.mark.parametrize('wanted, found', PAIRS)
def test_demo_initialiser_refuses_before_building_the_saved_config(
        models, wanted, found):
    """No ``--configs``: the model would be built from the other task's
    saved config (``unexpected keyword argument 'pretrained'``, or a model
    that fails later with ``KeyError: 'seg_map_path'``)."""
    path = models[found][1]
    with pytest.raises(TaskMismatchError,
                       match=_mismatch(path, found, wanted)):
        _init(wanted, path)


def test_named_task_wins_over_the_keys(models, tmp_path):
    model, _ = models['parsing']
    path = str(tmp_path / 'named.pth')
    torch.save(dict(meta=dict(farl_mm_task='alignment'),
                    state_dict=model.state_dict()), path)
    with pytest.raises(TaskMismatchError,
                       match=_mismatch(path, 'alignment', 'parsing')):
        _init('parsing', path, _config('parsing'))


def test_a_config_of_another_task_is_refused(models):
    from farl_mm.apis import init_face_classifier
    with pytest.raises(TaskMismatchError, match=re.escape(
            'builds a pretrain model, not an attributes one')):
        init_face_classifier(Config(dict(
            model=farl_checkpoints.farl_cfg(), default_scope='mmpretrain')))


@pytest.mark.parametrize('task', list(CONFIGS))
def test_missing_head_weights_are_an_error(models, tmp_path, task):
    """A backbone-only file (what ``farl2mm.py --image-only`` writes, less
    its task name) leaves the head random: refused, naming the head."""
    model, _ = models[task]
    path = str(tmp_path / 'backbone.pth')
    torch.save(dict(state_dict={
        k: v for k, v in model.state_dict().items()
        if k.startswith('backbone.')}), path)
    head = dict(parsing='decode_head.conv_seg', alignment='head.fusion',
                attributes='head.fc')[task]
    with pytest.raises(MissingWeightsError) as err:
        _init(task, path, _config(task))
    message = str(err.value)
    assert message.startswith(f'{path} has no weights for ')
    assert head in message and 'randomly initialised' in message


@pytest.mark.parametrize('task', list(CONFIGS))
def test_own_checkpoint_loads_every_tensor(models, task):
    model, path = models[task]
    for loaded in (_init(task, path, _config(task)), _init(task, path)):
        assert task_of_model(loaded) == task
        saved = model.state_dict()
        got = loaded.state_dict()
        assert got.keys() == saved.keys()
        for key, value in saved.items():
            assert torch.equal(got[key].cpu(), value), key


def test_encoder_refuses_a_downstream_checkpoint(models):
    from farl_mm.apis import FaRLEncoder
    path = models['parsing'][1]
    with pytest.raises(TaskMismatchError,
                       match=_mismatch(path, 'parsing', 'pretrain')):
        FaRLEncoder.from_checkpoint(path)


def test_hook_names_the_task_in_every_checkpoint(models):
    from farl_mm.engine.hooks import CheckpointTaskHook
    hook = CheckpointTaskHook()
    for task, (model, _) in models.items():
        checkpoint = dict(meta=dict(iter=3))
        hook.before_save_checkpoint(SimpleNamespace(model=model), checkpoint)
        assert checkpoint['meta'] == dict(iter=3, farl_mm_task=task)
