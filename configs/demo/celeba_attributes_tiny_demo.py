# `make demo`, stage 3: CelebA-format attributes (5-point alignment, the
# paper's §4.1 head, mean accuracy) on the demo pretraining's tiny FaRLViT,
# frozen: only the head learns. `_scratch` is the same run from a random
# backbone. Data: data/demo/celeba (tools/misc/run_demo.py writes it).
_base_ = ['../farl/celeba_attributes_tiny_synthetic.py', './demo_weights.py']
data_root = 'data/demo/celeba'
model = dict(backbone=_base_.demo_backbone)
custom_hooks = [_base_.demo_preflight]
train_dataloader = dict(dataset=dict(data_root=data_root))
test_dataloader = dict(dataset=dict(data_root=data_root))
val_dataloader, val_cfg, val_evaluator = None, None, None  # test.py scores
test_evaluator = dict(per_attribute=True)  # the report reads the 17 drawn
# a frozen backbone: the head alone, at a head's learning rate
optim_wrapper = dict(optimizer=dict(lr=1e-2))
param_scheduler = [  # the shared one, decaying to 0 as the base does
    _base_.demo_param_scheduler[0],
    dict(_base_.demo_param_scheduler[1], eta_min=0.0),
]
train_cfg = _base_.demo_train_cfg
default_hooks = _base_.demo_default_hooks
randomness = dict(seed=0)  # a rerun gives the same numbers
