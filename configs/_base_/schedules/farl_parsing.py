# Paper §4.1: AdamW, lr 1e-3, weight decay 1e-5 for the parsing head. The
# paper gives no length or decay; this runs ~35 LaPa epochs at a total
# batch of 16 (2 GPUs x 8) with a linear warm-up and a poly decay.
_base_ = ['mmseg::_base_/default_runtime.py']
optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(type='AdamW', lr=1e-3, weight_decay=1e-5))
param_scheduler = [
    dict(type='LinearLR', start_factor=1e-3, by_epoch=False, begin=0,
         end=1000),
    dict(type='PolyLR', power=1.0, eta_min=0.0, by_epoch=False, begin=1000,
         end=40000),
]
train_cfg = dict(type='IterBasedTrainLoop', max_iters=40000,
                 val_interval=4000)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
default_hooks = dict(
    logger=dict(type='LoggerHook', interval=50, log_metric_by_epoch=False),
    checkpoint=dict(type='CheckpointHook', by_epoch=False, interval=4000,
                    max_keep_ckpts=2, save_best='f1_mean', rule='greater'))
