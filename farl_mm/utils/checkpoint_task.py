"""Which FaRL task a model or a checkpoint belongs to, and loading a
checkpoint only into a model of its own task, with every weight it needs.

Loaded into another task's model, a checkpoint fills the backbone and
leaves the head at random (mmengine only warns of missing keys), or the
model's config fails deep inside a library. Every checkpoint farl_mm
writes names its task (``meta['farl_mm_task']``,
:class:`~farl_mm.engine.hooks.CheckpointTaskHook`); for others the task is
read from the state dict's keys where they leave no doubt.
"""
import logging
import re

from mmengine.logging import print_log
from mmengine.model import BaseTTAModel, is_model_wrapper

TASK_KEY = 'farl_mm_task'

#: The model base class of each task, by qualified name (no library is
#: imported to check); the first in the model's MRO wins (FaRL is an
#: mmpretrain self-supervised model, not a classifier).
_MODEL_BASES = {
    'farl_mm.models.algorithms.farl.FaRL': 'pretrain',
    'mmseg.models.segmentors.base.BaseSegmentor': 'parsing',
    'mmpose.models.pose_estimators.base.BasePoseEstimator': 'alignment',
    'mmpretrain.models.classifiers.base.BaseClassifier': 'attributes',
}

#: State-dict key prefixes only one task's models have: FaRL's text tower,
#: MIM head and temperature (and the authors' OpenAI-CLIP layout); mmseg's
#: decode head; mmpose heatmap heads (farl_mm's UPerNet one, mmpose's
#: deconvolution one); farl_mm's attribute heads (one, or one per task).
_KEY_PREFIXES = {
    'pretrain': ('text_backbone.', 'mim_head.', 'logit_scale', 'visual.'),
    'parsing': ('decode_head.', ),
    'alignment': ('head.fusion.', 'head.deconv_layers.',
                  'head.final_layer.'),
    'attributes': ('head.pool.', 'head.task_heads.'),
}


class TaskMismatchError(ValueError):
    """A checkpoint of one task given to a model of another."""


class MissingWeightsError(ValueError):
    """A checkpoint without weights for some of the model's tensors."""


def task_of_model(model):
    """``'pretrain'``, ``'parsing'``, ``'alignment'``, ``'attributes'``, or
    None for a model of none of these kinds."""
    if is_model_wrapper(model) or isinstance(model, BaseTTAModel):
        model = model.module
    for cls in type(model).__mro__:
        task = _MODEL_BASES.get(f'{cls.__module__}.{cls.__qualname__}')
        if task is not None:
            return task
    return None


def task_of_state_dict(state_dict):
    """The one task whose keys the state dict holds, else None."""
    keys = [re.sub(r'^module\.', '', k) for k in state_dict]
    found = {task for task, prefixes in _KEY_PREFIXES.items()
             if any(k.startswith(prefixes) for k in keys)}
    return found.pop() if len(found) == 1 else None


def task_of_checkpoint(checkpoint):
    """The task a checkpoint names (``meta['farl_mm_task']``), else the one
    its keys show, else None."""
    meta = checkpoint.get('meta')
    if isinstance(meta, dict) and meta.get(TASK_KEY):
        return str(meta[TASK_KEY])
    return task_of_state_dict(state_dict_of(checkpoint))


def state_dict_of(checkpoint):
    """The weights of a checkpoint (``state_dict``, or the dict itself)."""
    state_dict = checkpoint.get('state_dict', checkpoint)
    return {re.sub(r'^module\.', '', k): v for k, v in state_dict.items()}


def check_task(checkpoint, task, source):
    """Raise :class:`TaskMismatchError` when the checkpoint at ``source`` is
    known to belong to another task than ``task`` (None: any)."""
    found = task_of_checkpoint(checkpoint)
    if task is None or found is None or found == task:
        return
    raise TaskMismatchError(
        f'{source} is {_a(found)} checkpoint, not {_a(task)} one: give '
        f'the checkpoint of a trained {task} model (and its config)')


def check_model_task(model, task, config):
    """Raise :class:`TaskMismatchError` when ``config`` built a model of
    another task than ``task``."""
    found = task_of_model(model)
    if found is not None and found != task:
        raise TaskMismatchError(
            f'{_name(config)} builds {_a(found)} model, not {_a(task)} one: '
            f'give a {task} config')


def missing_weights(model, state_dict):
    """The model's state-dict keys the checkpoint has no tensor for (but
    BatchNorm's step counters, which inference never reads). A test-time
    augmentation wrapper is loaded into its module, as mmengine does."""
    if is_model_wrapper(model) or isinstance(model, BaseTTAModel):
        model = model.module
    return [k for k in model.state_dict() if k not in state_dict
            and not k.endswith('.num_batches_tracked')]


def check_weights(model, state_dict, source):
    """Raise :class:`MissingWeightsError` naming the tensors of ``model``
    that ``source`` leaves at their random initialisation."""
    missing = missing_weights(model, state_dict)
    if not missing:
        return
    parts = sorted({'.'.join(k.split('.')[:2]) for k in missing})
    raise MissingWeightsError(
        f'{source} has no weights for {len(missing)} of the model\'s '
        f'tensors ({", ".join(parts[:6])}{", ..." if len(parts) > 6 else ""}'
        f'): they would stay randomly initialised. Give a checkpoint of '
        f'this model trained on this task (a pretraining or backbone-only '
        f'file initialises training, through init_cfg / load_from).')


def build_task_model(task, config, checkpoint, build):
    """``build(config)``, a model of ``task``, with ``checkpoint`` loaded;
    ``config`` may be None (or the checkpoint itself, with ``checkpoint``
    None) when the checkpoint carries it (:func:`saved_config`).

    The file (weights only) is checked before the model is built: a
    checkpoint of another task, or whose saved config builds another
    task's model, fails here and not deep inside a library. Then the model
    must be of ``task`` and the file must hold every tensor of it; tensors
    the model does not have are reported and ignored, as mmengine does.

    Returns:
        tuple: the model and the loaded checkpoint (None without one; its
        ``meta`` holds the dataset's names).
    """
    from mmengine.runner import CheckpointLoader  # weights only: compat
    if checkpoint is None and isinstance(config, str) and \
            config.endswith(CHECKPOINT_SUFFIXES):  # init_*('model.pth')
        config, checkpoint = None, config
    loaded = None
    if checkpoint is not None:
        loaded = CheckpointLoader.load_checkpoint(checkpoint, 'cpu')
        check_task(loaded, task, checkpoint)
    if config is None:
        config = saved_config(loaded, checkpoint)
    model = build(config)
    check_model_task(model, task, config)
    if loaded is None:
        return model, None
    state_dict = state_dict_of(loaded)
    check_weights(model, state_dict, checkpoint)
    try:
        unexpected = model.load_state_dict(state_dict, strict=False)[1]
    except RuntimeError as err:  # shapes that do not fit
        raise RuntimeError(f'{checkpoint} does not fit {_name(config)}: '
                           f'{err}') from None
    if unexpected:
        print_log(f'{checkpoint}: ignored {len(unexpected)} tensors the '
                  f'model does not have ({", ".join(unexpected[:5])}'
                  f'{", ..." if len(unexpected) > 5 else ""})',
                  logger='current', level=logging.WARNING)
    return model, loaded


#: What ``init_*`` take for a checkpoint when it is their only argument.
CHECKPOINT_SUFFIXES = ('.pth', '.pt', '.ckpt')


def saved_config(loaded, checkpoint):
    """The config a training run saved in the checkpoint (``meta.cfg``),
    read as data (:mod:`farl_mm.utils.saved_config`): a checkpoint of
    farl_mm's ``tools/train.py`` is enough to build its model."""
    from farl_mm.utils.saved_config import read_saved_config
    if loaded is None:
        raise ValueError('pass a config, a checkpoint saved by a training '
                         'run (it carries its config), or both')
    text = (loaded.get('meta') or {}).get('cfg')
    if not text:
        raise ValueError(f'{checkpoint}: no meta.cfg (not saved by an '
                         'mmengine Runner?); pass its config as well')
    return read_saved_config(text, checkpoint)


def _a(task):
    return f'an {task}' if task[0] in 'aeiou' else f'a {task}'


def _name(config):
    filename = getattr(config, 'filename', None)
    return filename or (config if isinstance(config, str) else 'the config')
