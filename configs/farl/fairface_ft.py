# FairFace, FaRL ViT-B/16 fine-tuned; backbone lr_mult 1e-4 as in
# celeba_attributes_ft.py (not stated by the paper).
_base_ = ['./fairface.py']
model = dict(backbone=dict(frozen_stages=-1))
train_dataloader = dict(batch_size=64)
optim_wrapper = dict(
    clip_grad=dict(max_norm=1.0),
    paramwise_cfg=dict(custom_keys={'backbone': dict(lr_mult=1e-4)}))
