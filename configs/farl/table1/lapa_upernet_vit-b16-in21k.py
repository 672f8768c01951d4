# Table 1: the frozen UperNet of ../lapa_upernet.py (same LaPa data and
# schedule) on supervised ViT-B/16 (ImageNet-21k).
_base_ = ['../lapa_upernet.py', '../../_base_/backbones/vit-b16-in21k.py']
model = dict(data_preprocessor=_base_.table1_preprocessor,
             backbone=dict(_base_.table1_backbone, _delete_=True))
# the recipe's hooks, with this backbone's weights checked, not FaRL's
custom_hooks = [*_base_.custom_hooks[:-1], _base_.table1_preflight]
