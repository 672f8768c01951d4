# The authors' parsing recipe (paths in FacePerceiver/FaRL, under
# farl/experiments/face_parsing/): AdamW, betas (0.9, 0.999), weight decay
# 1e-5; pyramid and head at lr 1e-3, the backbone at 1e-4 when it is
# fine-tuned (optimizers/{freeze,refine}_backbone.yaml), no warm-up; lr x0.1
# after epoch 200 (same files) of 300 (trainers/lapa_farl.yaml and
# celebm_farl.yaml `max_epoches`); evaluation every epoch (`eval_interval`)
# on an exponential moving average of the weights, decay 0.999 (`main_ema`;
# mmengine's EMA momentum is 1 - decay). Batch: 5 faces per GPU
# (train_lapa_farl-b-ep16_448_refinebb.yaml `batch_size`) on 8 GPUs (their
# README); the leaves set it. Leaves add their `preflight` to custom_hooks.
_base_ = ['mmseg::_base_/default_runtime.py']
optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(type='AdamW', lr=1e-3, betas=(0.9, 0.999),
                   weight_decay=1e-5),
    paramwise_cfg=dict(custom_keys={'backbone': dict(lr_mult=0.1)}))
param_scheduler = [
    dict(type='MultiStepLR', by_epoch=True, milestones=[200], gamma=0.1),
]
train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=300, val_interval=1)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
custom_hooks = [dict(type='EMAHook', momentum=0.001)]
default_hooks = dict(
    logger=dict(type='LoggerHook', interval=50),
    checkpoint=dict(type='farl_mm.CheckpointHook', by_epoch=True,
                    interval=20, max_keep_ckpts=2, save_best='f1_mean',
                    rule='greater'),
    # off until tools/test.py --show / --show-dir: every test image, drawn
    # on the original photo (FaceParser's un-warped prediction) with the
    # dataset's palette (mmseg's SegLocalVisualizer, ../default_runtime)
    visualization=dict(type='SegVisualizationHook', draw=False, interval=1))
log_processor = dict(by_epoch=True)
