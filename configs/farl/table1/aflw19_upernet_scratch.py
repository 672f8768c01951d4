# Table 4 "Scratch": the ViT-B/16 alignment model trained from random weights
# (the whole network learns at the head's rate; nothing is frozen).
_base_ = ['../aflw19_upernet.py']
model = dict(backbone=dict(frozen_stages=-1, init_cfg=None))
optim_wrapper = dict(  # not the recipe's 1e-4 for pretrained backbones
    paramwise_cfg=dict(custom_keys={'backbone': dict(lr_mult=1.0)}))
custom_hooks = _base_.custom_hooks[:-1]  # the recipe's; no weights
