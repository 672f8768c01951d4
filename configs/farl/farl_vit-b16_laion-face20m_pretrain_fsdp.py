# The paper's recipe with PyTorch FSDP (mmengine FlexibleRunner) instead of
# DDP + ZeRO-1: parameters, gradients and AdamW states are all sharded.
# Each transformer block is its own FSDP unit; bf16 compute, fp32 reduce.
# Caveat: mmengine's OptimWrapper clips with torch's clip_grad_norm_, which
# under FSDP measures this rank's shard only, not the global norm.
_base_ = ['./farl_vit-b16_laion-face20m_pretrain.py']
runner_type = 'FlexibleRunner'
strategy = dict(
    type='FSDPStrategy',
    model_wrapper=dict(
        auto_wrap_policy=dict(
            type='torch.distributed.fsdp.wrap.size_based_auto_wrap_policy',
            min_num_params=int(5e6)),
        mixed_precision=dict(param_dtype='bfloat16', reduce_dtype='float32',
                             buffer_dtype='float32'),
        use_orig_params=True),  # per-parameter weight decay groups
    state_dict_cfg='full')
optim_wrapper = dict(
    _delete_=True, type='OptimWrapper',
    optimizer=dict(type='AdamW', lr=1e-3, weight_decay=0.05),
    clip_grad=dict(max_norm=1.0),
    paramwise_cfg={{_base_.optim_wrapper.paramwise_cfg}})
