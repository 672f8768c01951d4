# CelebA, 40 attributes, FaRL ViT-B/16 frozen (paper Tables 1, 2, 9: FaRL).
# Reported: the final epoch on the test split (the authors took the best
# epoch on test, reference §6).
_base_ = [
    '../_base_/models/farl_vit-b16_attribute-head.py',
    '../_base_/datasets/celeba_attributes.py',
    '../_base_/schedules/attribute_head_100e.py',
    'mmpretrain::_base_/default_runtime.py',
]
default_scope = 'mmpretrain'
custom_hooks = [_base_.preflight]
default_hooks = dict(checkpoint=dict(type='farl_mm.CheckpointHook', interval=5, max_keep_ckpts=2))
