# LFWA, 40 attributes, FaRL ViT-B/16 frozen (paper Table 9: FaRL).
_base_ = [
    '../_base_/models/farl_vit-b16_attribute-head.py',
    '../_base_/datasets/lfwa_attributes.py',
    '../_base_/schedules/attribute_head_100e.py',
    'mmpretrain::_base_/default_runtime.py',
]
default_scope = 'mmpretrain'
custom_hooks = [_base_.preflight]
default_hooks = dict(checkpoint=dict(type='farl_mm.CheckpointHook', interval=10, max_keep_ckpts=2))
