# The demo: mmseg's stock ViT UperNet model with a tiny FaRLViT, trained from
# scratch on generated LaPa-format faces in a couple of CPU minutes. It shows
# the plumbing works, not FaRL's accuracy. Random weights: the model base's
# normalisation is kept. Data (what `make demo` writes):
#   python tools/misc/make_synthetic_faces.py --format lapa \
#       --out data/synthetic_lapa --splits train:256 val:32 test:32 \
#       --size 160
_base_ = [
    'mmseg::_base_/models/upernet_vit-b16_ln_mln.py',
    'mmseg::_base_/default_runtime.py',
]
custom_imports = dict(imports=['farl_mm'], allow_failed_imports=False)
crop_size = (128, 128)
num_classes = 11  # LaPa
norm_cfg = dict(type='BN', requires_grad=True)
model = dict(
    pretrained=None,
    data_preprocessor=dict(size=crop_size),
    backbone=dict(
        _delete_=True, type='farl_mm.FaRLViT', arch='tiny', img_size=128,
        out_indices=(0, 1, 2, 3), init_cfg=None),
    neck=dict(in_channels=[64] * 4, out_channels=64),
    decode_head=dict(
        in_channels=[64] * 4, channels=64, num_classes=num_classes,
        norm_cfg=norm_cfg, loss_decode=dict(avg_non_ignore=True)),
    auxiliary_head=dict(
        in_channels=64, channels=32, num_classes=num_classes,
        norm_cfg=norm_cfg, loss_decode=dict(avg_non_ignore=True)))

# data: {data_root}/{split}/{images,labels}, as LaPa ships it
data_root = 'data/synthetic_lapa'
metainfo = dict(
    classes=('background', 'skin', 'left_eyebrow', 'right_eyebrow',
             'left_eye', 'right_eye', 'nose', 'upper_lip', 'inner_mouth',
             'lower_lip', 'hair'),
    palette=[[0, 0, 0], [204, 153, 102], [0, 0, 255], [0, 128, 255],
             [0, 255, 0], [0, 255, 128], [255, 0, 0], [255, 0, 255],
             [128, 0, 255], [255, 128, 255], [128, 64, 0]])
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations'),
    dict(type='Resize', scale=crop_size, keep_ratio=False),
    dict(type='PhotoMetricDistortion'),
    dict(type='PackSegInputs'),
]
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale=crop_size, keep_ratio=False),
    dict(type='LoadAnnotations'),
    dict(type='PackSegInputs'),
]
dataset = dict(
    type='BaseSegDataset', data_root=data_root, metainfo=metainfo,
    img_suffix='.jpg', seg_map_suffix='.png')


train_dataloader = dict(
    batch_size=8, num_workers=2, persistent_workers=True,
    sampler=dict(type='InfiniteSampler', shuffle=True),
    dataset=dict(
        **dataset, pipeline=train_pipeline,
        data_prefix=dict(img_path='train/images',
                         seg_map_path='train/labels')))
val_dataloader = dict(
    batch_size=8, num_workers=2, persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        **dataset, pipeline=test_pipeline,
        data_prefix=dict(img_path='val/images',
                         seg_map_path='val/labels')))
test_dataloader = dict(
    val_dataloader,
    dataset=dict(
        val_dataloader['dataset'],
        data_prefix=dict(img_path='test/images',
                         seg_map_path='test/labels')))
val_evaluator = dict(type='IoUMetric', iou_metrics=['mIoU', 'mFscore'])
test_evaluator = val_evaluator

# schedule: AdamW as in the paper's parsing head (lr 1e-3, wd 1e-5)
optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(type='AdamW', lr=1e-3, weight_decay=1e-5))
param_scheduler = [
    dict(type='LinearLR', start_factor=0.1, by_epoch=False, begin=0, end=20),
    dict(type='CosineAnnealingLR', by_epoch=False, begin=20, end=300,
         eta_min=1e-5),
]
train_cfg = dict(type='IterBasedTrainLoop', max_iters=300, val_interval=150)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
default_hooks = dict(
    logger=dict(type='LoggerHook', interval=20, log_metric_by_epoch=False),
    checkpoint=dict(type='CheckpointHook', by_epoch=False, interval=150,
                    max_keep_ckpts=2))
