# `make demo`, stage 2 (tools/misc/run_demo.py): the tiny FaRL (ITC + MIM
# with ALIGN) pretrained on the demo's synthetic LAION-Face-style shards.
# 64 px aligned faces: the three transfers (configs/demo/*_tiny_demo.py)
# feed the frozen tower faces of that size too. A transfer at another size
# would still load (mmpretrain resizes the position embedding), but the
# frozen tokens would see faces at a scale they were not trained on.
_base_ = ['../farl/farl_vit-tiny_synthetic-shards_pretrain.py']
iters = 300
train_dataloader = dict(dataset=dict(data_root='data/demo/laion_face'))
param_scheduler = [
    dict(type='LinearLR', start_factor=1e-3, by_epoch=False, begin=0,
         end=30),
    dict(type='CosineAnnealingLR', eta_min=1e-4, by_epoch=False, begin=30,
         end=iters),
]
train_cfg = dict(max_iters=iters)
default_hooks = dict(checkpoint=dict(interval=iters, max_keep_ckpts=1))
