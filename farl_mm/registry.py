"""farl_mm's registry nodes: children of MMEngine's, scope ``farl_mm``.

Any mmseg / mmpose / mmpretrain config can build a farl_mm module as
``type='farl_mm.X'`` once ``custom_imports=dict(imports=['farl_mm'])`` has
imported the package: MMEngine resolves the ``farl_mm.`` prefix through the
root registry to these children, whatever the config's default scope is.
"""
from mmengine.registry import DATASETS as MMENGINE_DATASETS
from mmengine.registry import HOOKS as MMENGINE_HOOKS
from mmengine.registry import METRICS as MMENGINE_METRICS
from mmengine.registry import MODELS as MMENGINE_MODELS
from mmengine.registry import TRANSFORMS as MMENGINE_TRANSFORMS
from mmengine.registry import Registry

MODELS = Registry(
    'model', parent=MMENGINE_MODELS, scope='farl_mm',
    locations=['farl_mm.models'])
DATASETS = Registry(
    'dataset', parent=MMENGINE_DATASETS, scope='farl_mm',
    locations=['farl_mm.datasets'])
TRANSFORMS = Registry(
    'transform', parent=MMENGINE_TRANSFORMS, scope='farl_mm',
    locations=['farl_mm.datasets.transforms'])
METRICS = Registry(
    'metric', parent=MMENGINE_METRICS, scope='farl_mm',
    locations=['farl_mm.evaluation'])
HOOKS = Registry(
    'hook', parent=MMENGINE_HOOKS, scope='farl_mm',
    locations=['farl_mm.engine'])
