# "FaRLft" (Table 4): the backbone is fine-tuned too, at a tenth of the head's
# learning rate (backbone 1e-4, head 1e-3, as the authors' code does).
_base_ = ['./lapa_upernet.py']
model = dict(backbone=dict(frozen_stages=-1))
optim_wrapper = dict(
    paramwise_cfg=dict(custom_keys={'backbone': dict(lr_mult=0.1)}))
