# Table 1: DeiT-B/16 (ImageNet-1k), ImageNet input normalisation. Like
# every Table 1 backbone: blocks 4/6/8/12 (0-based 3/5/7/11) as feature
# maps, frozen. Configs use `table1_backbone`, `table1_preprocessor` and,
# in `custom_hooks`, `table1_preflight` (stops training if the weights are
# missing); see configs/farl/table1/README.md.
table1_weights = 'checkpoints/table1/deit-b16.pth'
table1_preprocessor = dict(mean=[123.675, 116.28, 103.53],
                           std=[58.395, 57.12, 57.375])
table1_backbone = dict(
    type='mmpretrain.VisionTransformer', arch='deit-base', img_size=224,
    patch_size=16,
    out_indices=(3, 5, 7, 11), out_type='featmap', frozen_stages=12,
    init_cfg=dict(type='Pretrained', prefix='backbone.',
                  checkpoint=table1_weights))
table1_preflight = dict(type='farl_mm.PreflightHook', files={table1_weights: (
    "download mmpretrain's deit-base_16xb64_in1k checkpoint there "
    '(configs/farl/table1/README.md)', 'DeiT-B/16 weights')})
