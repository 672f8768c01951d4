# Table 1: OpenAI CLIP's ViT-B/16, built as mmpretrain's CLIP configs build
# it (pre_norm, QuickGELU), with CLIP's input normalisation. Like every
# Table 1 backbone: blocks 4/6/8/12 (0-based 3/5/7/11) as feature maps,
# frozen. Configs use `table1_backbone`, `table1_preprocessor` and, in
# `custom_hooks`, `table1_preflight` (stops training if the weights are
# missing); see configs/farl/table1/README.md.
table1_weights = 'checkpoints/table1/clip-vit-b16.pth'
table1_preprocessor = dict(mean=[122.771, 116.746, 104.094],
                           std=[68.501, 66.632, 70.323])
table1_backbone = dict(
    type='mmpretrain.VisionTransformer', arch='b', img_size=224,
    patch_size=16, pre_norm=True,
    layer_cfgs=dict(act_cfg=dict(type='mmpretrain.QuickGELU')),
    out_indices=(3, 5, 7, 11), out_type='featmap', frozen_stages=12,
    init_cfg=dict(type='Pretrained', prefix='backbone.',
                  checkpoint=table1_weights))
table1_preflight = dict(type='farl_mm.PreflightHook', files={table1_weights: (
    "convert OpenAI's ViT-B/16 with mmpretrain's tools/model_converters/"
    'openai-clip_to_mmpretrain-clip.py (configs/farl/table1/README.md)',
    'CLIP ViT-B/16 weights')})
