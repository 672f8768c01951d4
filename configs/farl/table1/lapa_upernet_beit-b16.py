# Table 1: the frozen UperNet of ../lapa_upernet.py (same LaPa data and
# schedule) on BEiT-B/16 (self-supervised, ImageNet).
_base_ = ['../lapa_upernet.py', '../../_base_/backbones/beit-b16.py']
model = dict(data_preprocessor=_base_.table1_preprocessor,
             backbone=dict(_base_.table1_backbone, _delete_=True))
# the recipe's hooks, with this backbone's weights checked, not FaRL's
custom_hooks = [*_base_.custom_hooks[:-1], _base_.table1_preflight]
