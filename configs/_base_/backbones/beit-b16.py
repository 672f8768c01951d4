# Table 1: BEiT-B/16 (self-supervised, ImageNet), inputs scaled to [-1, 1];
# mmpretrain turns a shared relative position bias into per-layer ones.
# Like every Table 1 backbone: blocks 4/6/8/12 (0-based 3/5/7/11) as
# feature maps, frozen. Configs use `table1_backbone`,
# `table1_preprocessor` and, in `custom_hooks`, `table1_preflight` (stops
# training if the weights are missing); see configs/farl/table1/README.md.
table1_weights = 'checkpoints/table1/beit-b16.pth'
table1_preprocessor = dict(mean=[127.5] * 3, std=[127.5] * 3)
table1_backbone = dict(
    type='mmpretrain.BEiTViT', arch='base', img_size=224, patch_size=16,
    use_abs_pos_emb=False, use_rel_pos_bias=True,
    use_shared_rel_pos_bias=False,
    out_indices=(3, 5, 7, 11), out_type='featmap', frozen_stages=12,
    init_cfg=dict(type='Pretrained', prefix='backbone.',
                  checkpoint=table1_weights))
table1_preflight = dict(type='farl_mm.PreflightHook', files={table1_weights: (
    "download mmpretrain's beit_beit-base-p16_8xb256-amp-coslr-300e_in1k "
    'checkpoint there (configs/farl/table1/README.md)', 'BEiT-B/16 weights')})
