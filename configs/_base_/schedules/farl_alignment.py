# The authors' alignment recipe (paths in FacePerceiver/FaRL, under
# farl/experiments/face_alignment/): AdamW, betas (0.9, 0.999), weight
# decay 1e-5; pyramid and head at lr 1e-2, the backbone at 1e-4 when it is
# fine-tuned (optimizers/{freeze,refine}_backbone.yaml), no warm-up; lr x0.1
# after epoch 200 (same files), which only 300W's 250 epochs reach; 150
# epochs for AFLW-19 and WFLW (trainers/aflw19_farl.yaml, wflw_farl.yaml
# `max_epoches`; 300W: its leaf); evaluation every epoch (`eval_interval`)
# on an exponential moving average of the weights, decay 0.999 (`main_ema`;
# mmengine's EMA momentum is 1 - decay). Batch: 5 faces per GPU
# (train_aflw19_farl-b-ep16_448_refinebb.yaml `batch_size`) on 8 GPUs (their
# README); the leaves set it. Leaves add their `preflight` to custom_hooks.
_base_ = ['mmpose::_base_/default_runtime.py']
optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(type='AdamW', lr=1e-2, betas=(0.9, 0.999),
                   weight_decay=1e-5),
    paramwise_cfg=dict(custom_keys={'backbone': dict(lr_mult=0.01)}))
param_scheduler = [
    dict(type='MultiStepLR', by_epoch=True, milestones=[200], gamma=0.1),
]
train_cfg = dict(_delete_=True, type='EpochBasedTrainLoop', max_epochs=150,
                 val_interval=1)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
custom_hooks = [dict(type='SyncBuffersHook'),
                dict(type='EMAHook', momentum=0.001)]
default_hooks = dict(
    logger=dict(type='LoggerHook', interval=50),
    checkpoint=dict(type='farl_mm.CheckpointHook', by_epoch=True,
                    interval=20, max_keep_ckpts=2),
    # off until tools/test.py --show / --show-dir (mmpose's runtime base:
    # PoseLocalVisualizer, the dataset metainfo's keypoint colours)
    visualization=dict(type='PoseVisualizationHook', enable=False))
