# Table 1: supervised ViT-B/16 (ImageNet-21k; mmpretrain's checkpoint is
# then fine-tuned on ImageNet-1k at 384 px), inputs scaled to [-1, 1].
# Like every Table 1 backbone: blocks 4/6/8/12 (0-based 3/5/7/11) as
# feature maps, frozen. Configs use `table1_backbone`,
# `table1_preprocessor` and, in `custom_hooks`, `table1_preflight` (stops
# training if the weights are missing); see configs/farl/table1/README.md.
table1_weights = 'checkpoints/table1/vit-b16-in21k.pth'
table1_preprocessor = dict(mean=[127.5] * 3, std=[127.5] * 3)
table1_backbone = dict(
    type='mmpretrain.VisionTransformer', arch='b', img_size=224,
    patch_size=16,
    out_indices=(3, 5, 7, 11), out_type='featmap', frozen_stages=12,
    init_cfg=dict(type='Pretrained', prefix='backbone.',
                  checkpoint=table1_weights))
table1_preflight = dict(type='farl_mm.PreflightHook', files={table1_weights: (
    "download mmpretrain's vit-base-p16_in21k-pre_3rdparty_in1k-384px "
    'checkpoint there (configs/farl/table1/README.md)',
    'ViT-B/16 (ImageNet-21k) weights')})
