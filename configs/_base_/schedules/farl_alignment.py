# Paper §4.1: AdamW, lr 0.01, weight decay 1e-5 for the alignment head. The
# paper gives no length or decay; this runs 30k iterations (~48 AFLW-19
# epochs at a total batch of 32, 2 GPUs x 16) with a linear warm-up and a
# cosine decay.
_base_ = ['mmpose::_base_/default_runtime.py']
optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(type='AdamW', lr=1e-2, weight_decay=1e-5))
param_scheduler = [
    dict(type='LinearLR', start_factor=1e-3, by_epoch=False, begin=0,
         end=1000),
    dict(type='CosineAnnealingLR', eta_min=0.0, by_epoch=False, begin=1000,
         end=30000),
]
train_cfg = dict(_delete_=True, type='IterBasedTrainLoop',
                 max_iters=30000, val_interval=3000)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
default_hooks = dict(
    logger=dict(type='LoggerHook', interval=50, log_metric_by_epoch=False),
    checkpoint=dict(type='CheckpointHook', by_epoch=False, interval=3000,
                    max_keep_ckpts=2))
log_processor = dict(by_epoch=False)
