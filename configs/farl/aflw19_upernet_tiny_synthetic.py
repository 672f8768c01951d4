# Demo / test: the AFLW-19 model (the authors' head, 64 channels wide) with
# a tiny FaRLViT trained from scratch on generated faces in AFLW-19's format
# for a few CPU minutes. It shows the plumbing learns, not FaRL's accuracy.
# Data:
#   python tools/misc/make_synthetic_faces.py --format aflw19 \
#       --out data/synthetic_aflw19 --splits train:96 test:24 --size 128
_base_ = ['./aflw19_upernet.py']
from farl_mm.utils.pipeline_size import at_size
data_root = 'data/synthetic_aflw19'
prepare = ('python tools/misc/make_synthetic_faces.py --format aflw19 '
           '--out data/synthetic_aflw19 --splits train:96 test:24 '
           '--size 128')
size = 128
codec = dict(_base_.codec, input_size=(size, size), heatmap_size=(32, 32))
norm_cfg = dict(type='BN', requires_grad=True)
model = dict(
    backbone=dict(arch='tiny', img_size=size, out_indices=(0, 1, 2, 3),
                  frozen_stages=-1, init_cfg=None),
    neck=dict(embed_dim=64, norm_cfg=norm_cfg),
    head=dict(in_channels=[64] * 4, channels=64, norm_cfg=norm_cfg,
              heatmap_size=(32, 32), decoder=codec))
custom_hooks = [dict(type='SyncBuffersHook')]  # no FaRL weights, no EMA
loader = dict(batch_size=8, num_workers=0, persistent_workers=False)
train_dataloader = dict(**loader, dataset=dict(
    data_root=data_root, prepare=prepare,
    pipeline=at_size(_base_.train_dataloader.dataset.pipeline, size, codec)))
val_dataloader = dict(**loader, dataset=dict(
    data_root=data_root, prepare=prepare,
    pipeline=at_size(_base_.val_dataloader.dataset.pipeline, size, codec)))
test_dataloader = val_dataloader
# A short CPU run, not the authors' 150 epochs: iterations, one lr for the
# whole network (it is trained from scratch), no EMA.
optim_wrapper = dict(_delete_=True, type='OptimWrapper', optimizer=dict(
    type='AdamW', lr=2e-3, weight_decay=1e-5))
param_scheduler = [
    dict(type='LinearLR', start_factor=0.1, by_epoch=False, begin=0, end=20),
    dict(type='CosineAnnealingLR', by_epoch=False, begin=20, end=300,
         eta_min=1e-5),
]
train_cfg = dict(_delete_=True, type='IterBasedTrainLoop', max_iters=300,
                 val_interval=300)
default_hooks = dict(
    logger=dict(interval=20, log_metric_by_epoch=False),
    checkpoint=dict(by_epoch=False, interval=300))
log_processor = dict(by_epoch=False)
