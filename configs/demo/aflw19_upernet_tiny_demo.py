# `make demo`, stage 3: AFLW-19-format alignment (box crop, heatmaps, NME)
# on the demo pretraining's tiny FaRLViT, frozen: only the neck and the
# heatmap head learn. 64 px crops, the pretraining's face size; 32x32
# heatmaps. `_scratch` is the same run from a random backbone.
# Data: data/demo/aflw19 (tools/misc/run_demo.py writes it).
_base_ = ['../farl/aflw19_upernet_tiny_synthetic.py', './demo_weights.py']
from farl_mm.utils.pipeline_size import at_size
data_root = 'data/demo/aflw19'
prepare = ('python tools/misc/make_synthetic_faces.py --format aflw19 '
           '--out data/demo/aflw19 --size 128')
size = 64
codec = dict(_base_.codec, input_size=(size, size))
# The demo's numbers (README, "Quick start") were measured with mmseg's
# MultiLevelNeck and no dropout in the head, farl_mm's alignment model
# before the authors' became the default: the demo keeps it so that they
# hold.
model = dict(backbone=dict(_base_.demo_backbone, img_size=size),
             neck=dict(_delete_=True, type='mmseg.MultiLevelNeck',
                       in_channels=[64] * 4, out_channels=64,
                       scales=[4, 2, 1, 0.5],
                       norm_cfg=dict(type='BN', requires_grad=True)),
             head=dict(decoder=codec, dropout_ratio=0.0))
custom_hooks = [dict(type='SyncBuffersHook'), _base_.demo_preflight]
loader = dict(num_workers=0, persistent_workers=False)
train_dataloader = dict(**loader, dataset=dict(
    data_root=data_root, prepare=prepare,
    pipeline=at_size(_base_.train_dataloader.dataset.pipeline, size)))
test_dataloader = dict(**loader, dataset=dict(
    data_root=data_root, prepare=prepare,
    pipeline=at_size(_base_.test_dataloader.dataset.pipeline, size)))
val_dataloader, val_cfg, val_evaluator = None, None, None  # test.py scores
param_scheduler = _base_.demo_param_scheduler
train_cfg = _base_.demo_train_cfg
default_hooks = _base_.demo_default_hooks
randomness = dict(seed=0)  # a rerun gives the same numbers
