# FaRL ViT-B/16 pretraining on LAION-Face 20M (paper §4.1): ITC + MIM (1-layer
# head, DALL-E tokens) + ALIGN, 16 epochs, global batch 5120 = 32 GPUs x 160,
# bf16 AMP, gradient clipping 1.0, activation checkpointing of both towers,
# AdamW states sharded over the ranks (ZeRO stage 1).
#   NNODES=4 NODE_RANK=... bash tools/dist_train.sh \
#       configs/farl/farl_vit-b16_laion-face20m_pretrain.py 8   # the paper's 32
#   bash tools/dist_train.sh configs/farl/farl_vit-b16_laion-face20m_pretrain.py \
#       8 --auto-scale-lr   # one node: batch 1280, lr x 1280/5120
_base_ = [
    '../_base_/models/farl_vit-b16_pretrain.py',
    '../_base_/datasets/laion_face_shards.py',
    '../_base_/schedules/farl_pretrain_16e.py',
    'mmpretrain::_base_/default_runtime.py',
]
model = dict(backbone=dict(with_cp=True), text_backbone=dict(with_cp=True))
train_dataloader = dict(batch_size=160, num_workers=8)
optim_wrapper = dict(optimizer=dict(
    _delete_=True, type='ZeroRedundancyOptimizer', optimizer_type='AdamW',
    lr=1e-3, weight_decay=0.05))
# gathers the sharded AdamW states on every rank before rank 0 saves
custom_hooks = [dict(type='farl_mm.StreamEpochHook'),
                dict(type='farl_mm.BadSampleReportHook', interval=500),
                dict(type='farl_mm.ZeroCheckpointHook')]
auto_scale_lr = dict(base_batch_size=5120)
default_hooks = dict(
    logger=dict(interval=50),
    checkpoint=dict(type='farl_mm.CheckpointHook', interval=1,
                    max_keep_ckpts=3))
