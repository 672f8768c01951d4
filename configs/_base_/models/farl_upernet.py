# FaRL's parsing model (paper §4.1): ViT-B/16 blocks 4/6/8/12 (0-based
# 3/5/7/11, raw tokens) -> mmseg's 4-level pyramid (x4, x2, x1, x0.5) ->
# UperNet -> 1x1 conv logits, cross-entropy. Frozen backbone (the paper's
# "FaRL"). FaceParser scores on the original photo (inverse warp). Leaves
# add `preflight` (../farl_weights.py) to `custom_hooks`.
_base_ = ['mmseg::_base_/models/upernet_vit-b16_ln_mln.py',
          '../farl_weights.py']
custom_imports = dict(imports=['farl_mm'], allow_failed_imports=False)
crop_size = (224, 224)
data_preprocessor = dict(  # CLIP's normalisation, RGB
    type='SegDataPreProcessor', size=crop_size, bgr_to_rgb=True,
    mean=[122.771, 116.746, 104.094], std=[68.501, 66.632, 70.323],
    pad_val=0, seg_pad_val=255)
model = dict(
    type='farl_mm.FaceParser',
    data_preprocessor=data_preprocessor,
    pretrained=None,
    backbone=dict(
        _delete_=True, type='farl_mm.FaRLViT', arch='base', img_size=224,
        out_indices=(3, 5, 7, 11), out_type='featmap', frozen_stages=12,
        init_cfg=dict(type='Pretrained', checkpoint=_base_.farl_checkpoint,
                      prefix='backbone.')),
    decode_head=dict(num_classes=11),
    auxiliary_head=None)
