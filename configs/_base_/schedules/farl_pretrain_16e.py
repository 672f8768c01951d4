# FaRL's pretraining schedule (paper §4.1): AdamW, weight decay 0.05 (none on
# norms, biases, tokens, position embeddings and the temperature), lr warm-up
# 1e-6 -> 1e-3 over the first epoch, cosine down to 9e-4 over the other 15,
# gradient clipping at norm 1.0, mixed precision. Steps are per iteration.
# The cosine floor is a ratio (9e-4 = 0.9 x 1e-3), so tools/train.py
# --auto-scale-lr scales it with the peak for another global batch.
optim_wrapper = dict(
    type='AmpOptimWrapper',
    dtype='bfloat16',  # 'float16' (with loss scaling) on GPUs without bf16
    optimizer=dict(type='AdamW', lr=1e-3, weight_decay=0.05, fused=True),
    clip_grad=dict(max_norm=1.0),
    paramwise_cfg=dict(
        norm_decay_mult=0., bias_decay_mult=0.,
        custom_keys={k: dict(decay_mult=0.) for k in (
            'logit_scale', 'cls_token', 'pos_embed', 'mask_token',
            'token_embedding')}))
param_scheduler = [
    dict(type='LinearLR', start_factor=1e-3, by_epoch=True, begin=0, end=1,
         convert_to_iter_based=True),
    dict(type='CosineAnnealingLR', eta_min_ratio=0.9, by_epoch=True, begin=1,
         end=16, T_max=15, convert_to_iter_based=True),
]
train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=16)
log_processor = dict(by_epoch=True)
auto_scale_lr = dict(base_batch_size=5120, enable=False)
