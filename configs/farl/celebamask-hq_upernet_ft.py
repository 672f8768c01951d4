# "FaRLft" on CelebAMask-HQ (Table 5): backbone fine-tuned at lr 1e-4.
_base_ = ['./celebamask-hq_upernet.py']
model = dict(backbone=dict(frozen_stages=-1))
optim_wrapper = dict(
    paramwise_cfg=dict(custom_keys={'backbone': dict(lr_mult=0.1)}))
