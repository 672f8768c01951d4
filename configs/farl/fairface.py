# FairFace age / gender / race, FaRL ViT-B/16 frozen, three softmax heads on
# the §4.1 fused feature (paper §5, Table 11: accuracies per race group).
_base_ = [
    '../_base_/models/farl_vit-b16_attribute-head.py',
    '../_base_/datasets/fairface.py',
    '../_base_/schedules/attribute_head_100e.py',
    'mmpretrain::_base_/default_runtime.py',
]
default_scope = 'mmpretrain'
custom_hooks = [_base_.preflight]
task = dict(type='farl_mm.FaRLAttributeClsHead', in_channels=768,
            num_levels=4, loss=dict(type='mmpretrain.CrossEntropyLoss'))
model = dict(
    data_preprocessor=dict(num_classes=None),
    head=dict(
        _delete_=True, type='MultiTaskHead',
        task_heads=dict(age=dict(task, num_classes=9),
                        gender=dict(task, num_classes=2),
                        race=dict(task, num_classes=7))))
default_hooks = dict(checkpoint=dict(type='farl_mm.CheckpointHook', interval=5, max_keep_ckpts=2))
