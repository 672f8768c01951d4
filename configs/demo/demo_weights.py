# What the demo's transfer configs share: the tiny FaRLViT of the demo's
# pretraining, whole backbone frozen (the paper's "FaRL" setting), the
# check that stops a transfer at once when that checkpoint is missing, and
# the schedule. Names start with `demo_`: the transfer configs also inherit
# a task config defining the plain keys, and mmengine refuses a key that two
# bases both define, so each transfer config assigns these itself.
demo_checkpoint = 'work_dirs/demo/pretrain/iter_300.pth'
demo_backbone = dict(
    arch='tiny', frozen_stages=4, init_cfg=dict(
        _delete_=True, type='Pretrained', checkpoint=demo_checkpoint,
        prefix='backbone.'))
demo_preflight = dict(
    type='farl_mm.PreflightHook',
    files={demo_checkpoint: (
        'python tools/train.py configs/demo/farl_vit-tiny_demo_pretrain.py '
        '--work-dir work_dirs/demo/pretrain', 'demo FaRL pretraining')})
demo_iters = 200
demo_param_scheduler = [
    dict(type='LinearLR', start_factor=0.1, by_epoch=False, begin=0, end=20),
    dict(type='CosineAnnealingLR', by_epoch=False, begin=20, end=demo_iters,
         eta_min=1e-5),
]
demo_train_cfg = dict(max_iters=demo_iters, val_interval=demo_iters)
demo_default_hooks = dict(
    logger=dict(interval=10),
    checkpoint=dict(interval=demo_iters, max_keep_ckpts=1))
