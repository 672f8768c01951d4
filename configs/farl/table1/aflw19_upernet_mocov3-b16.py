# Table 1 (alignment column): the frozen UperNet heatmap head of
# ../aflw19_upernet.py (same AFLW-19 data and schedule) on MoCo v3 ViT-B/16
# (self-supervised, ImageNet).
_base_ = ['../aflw19_upernet.py', '../../_base_/backbones/mocov3-b16.py']
model = dict(data_preprocessor=_base_.table1_preprocessor,
             backbone=dict(_base_.table1_backbone, _delete_=True))
# the recipe's hooks, with this backbone's weights checked, not FaRL's
custom_hooks = [*_base_.custom_hooks[:-1], _base_.table1_preflight]
