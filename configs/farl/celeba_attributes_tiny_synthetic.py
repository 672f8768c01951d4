# CPU demo / test: the CelebA attribute pipeline (CelebA files, 5-point
# alignment, §4.1 head, AttributeAccuracy) with a tiny FaRLViT trained from
# scratch on synthetic faces written in CelebA's format:
#   python tools/misc/make_synthetic_faces.py --format celeba \
#       --out data/synthetic_celeba --splits train:480 val:96 test:96 \
#       --size 128
# Only 17 of the 40 attributes are drawn (the rest are constant -1).
_base_ = ['./celeba_attributes.py']
from farl_mm.utils.pipeline_size import at_size
img_size = 64
model = dict(
    backbone=dict(arch='tiny', img_size=img_size, out_indices=(0, 1, 2, 3),
                  frozen_stages=-1, init_cfg=None),  # 4x4 grid of 16 px
    head=dict(in_channels=64))
data_root = 'data/synthetic_celeba'
custom_hooks = []  # no pretrained weights to check
train_pipeline = at_size(_base_.train_pipeline, img_size)
test_pipeline = at_size(_base_.test_pipeline, img_size)
loader = dict(batch_size=32, num_workers=0, persistent_workers=False)
train_dataloader = dict(
    **loader, sampler=dict(type='InfiniteSampler', shuffle=True),
    dataset=dict(data_root=data_root, pipeline=train_pipeline))
val_dataloader = dict(
    **loader, dataset=dict(data_root=data_root, pipeline=test_pipeline))
test_dataloader = dict(
    **loader, dataset=dict(data_root=data_root, pipeline=test_pipeline))
# from scratch, so the paper's head lr (0.3) would wreck the backbone
optim_wrapper = dict(optimizer=dict(lr=2e-3, weight_decay=1e-4))
param_scheduler = [
    dict(type='LinearLR', start_factor=0.1, by_epoch=False, begin=0, end=30),
    dict(type='CosineAnnealingLR', by_epoch=False, begin=30, end=500,
         eta_min=0.0),
]
train_cfg = dict(_delete_=True, type='IterBasedTrainLoop', max_iters=500,
                 val_interval=500)
default_hooks = dict(
    logger=dict(interval=50, log_metric_by_epoch=False),
    checkpoint=dict(by_epoch=False, interval=500, max_keep_ckpts=1))
log_processor = dict(by_epoch=False)
