# The CPU demo (and the learning test) of FaRL pretraining: tiny image and
# text towers (64 wide), 64 px aligned faces, ITC + MIM + ALIGN on synthetic
# LAION-Face-style shards, a few hundred iterations in a CPU minute or two.
#   python tools/misc/make_synthetic_faces.py --format laion-face \
#       --out data/synthetic_laion_face --splits train:2048 \
#       --samples-per-shard 64 --size 128
#   python tools/train.py configs/farl/farl_vit-tiny_synthetic-shards_pretrain.py
# The MIM targets come from farl_mm.RandomProjectionTokenizer, a frozen
# seeded random quantizer of the 16-px patches (as BEST-RQ): it needs no
# downloaded weights, so the demo and tests run offline. The paper's DALL-E
# tokenizer (farl_mm.DALLETokenizer, the b16 config) needs its encoder
# weights on disk.
_base_ = [
    '../_base_/models/farl_vit-b16_pretrain.py',
    '../_base_/datasets/laion_face_shards.py',
    '../_base_/schedules/farl_pretrain_16e.py',
    'mmpretrain::_base_/default_runtime.py',
]
img_size = 64  # a 4x4 grid of 16-px patches
model = dict(
    backbone=dict(arch='tiny', img_size=img_size),
    text_backbone=dict(arch='tiny'),
    mim_head=dict(embed_dims=64, num_heads=4, vocab_size=256),
    target_generator=dict(
        _delete_=True, type='farl_mm.RandomProjectionTokenizer',
        patch_size=16, vocab_size=256))

train_dataloader = dict(
    batch_size=32, num_workers=0, persistent_workers=False, pin_memory=False,
    dataset=dict(
        data_root='data/synthetic_laion_face', shuffle_buffer=64,
        pipeline=[
            dict(type='farl_mm.FaceAlignCrop', size=img_size, score_thr=0.9),
            dict(type='farl_mm.CLIPTokenize', context_length=77),
            # at most 75/196 of the patches in the paper: 6 of 16 here
            dict(type='farl_mm.BlockMaskGenerator', input_size=4,
                 num_masking_patches=6, min_num_patches=2),
            dict(type='mmpretrain.PackInputs', algorithm_keys=['text_tokens'],
                 meta_keys=['sample_idx']),
        ]))

optim_wrapper = dict(  # plain fp32; tools/train.py --amp gives CPU bf16
    _delete_=True, type='OptimWrapper',
    optimizer=dict(type='AdamW', lr=1e-3, weight_decay=0.05),
    clip_grad=dict(max_norm=1.0),
    paramwise_cfg={{_base_.optim_wrapper.paramwise_cfg}})
param_scheduler = [
    dict(type='LinearLR', start_factor=1e-3, by_epoch=False, begin=0,
         end=30),
    dict(type='CosineAnnealingLR', eta_min=1e-4, by_epoch=False, begin=30,
         end=300),
]
train_cfg = dict(_delete_=True, type='IterBasedTrainLoop', max_iters=300)
log_processor = dict(by_epoch=False)
default_hooks = dict(
    logger=dict(interval=20, log_metric_by_epoch=False),
    checkpoint=dict(type='farl_mm.CheckpointHook', by_epoch=False,
                    interval=150, max_keep_ckpts=2))
randomness = dict(seed=0)
