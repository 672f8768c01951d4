# Table 1: MoCo v3 ViT-B/16 (self-supervised, ImageNet), ImageNet input
# normalisation. Like every Table 1 backbone: blocks 4/6/8/12 (0-based
# 3/5/7/11) as feature maps, frozen. Configs use `table1_backbone`,
# `table1_preprocessor` and, in `custom_hooks`, `table1_preflight` (stops
# training if the weights are missing); see configs/farl/table1/README.md.
table1_weights = 'checkpoints/table1/mocov3-b16.pth'
table1_preprocessor = dict(mean=[123.675, 116.28, 103.53],
                           std=[58.395, 57.12, 57.375])
table1_backbone = dict(
    type='mmpretrain.MoCoV3ViT', arch='base', img_size=224, patch_size=16,
    out_indices=(3, 5, 7, 11), out_type='featmap', frozen_stages=12,
    init_cfg=dict(type='Pretrained', prefix='backbone.',
                  checkpoint=table1_weights))
table1_preflight = dict(type='farl_mm.PreflightHook', files={table1_weights: (
    "download mmpretrain's mocov3_vit-base-p16_16xb256-amp-coslr-300e_in1k "
    'checkpoint there (configs/farl/table1/README.md)', 'MoCo v3 weights')})
