# FaRL's parsing model, the authors' architecture (paper §4.1; their code
# farl/network/transformers.py `FaRLVisualFeatures`, `_make_fpns`, and
# farl/network/mmseg.py `MMSEG_UPerHead`): ViT-B/16 blocks 4/6/8/12 (0-based
# 3/5/7/11, raw tokens, no final LN) -> the deconvolution pyramid of BEiT
# (mmseg's Feature2Pyramid: x4 = ConvT2x2 + BN + GELU + ConvT2x2, x2 =
# ConvT2x2, x1 = identity, x0.5 = MaxPool2) -> UperNet (768 channels, PPM
# 1/2/3/6, dropout 0.1) -> 1x1 conv logits, cross-entropy. mmseg's BEiT
# UperNet base is exactly that head. SyncBN as the authors; the Runner makes
# it BN on one process (and farl_mm.compat.dist on CPU ranks). Frozen
# backbone (the paper's "FaRL"). FaceParser scores on the original photo
# (inverse warp). Leaves add `preflight` (../farl_weights.py) to
# `custom_hooks`.
_base_ = ['mmseg::_base_/models/upernet_beit.py', '../farl_weights.py']
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
    neck=dict(type='mmseg.Feature2Pyramid', embed_dim=768,
              rescales=[4, 2, 1, 0.5],
              norm_cfg=dict(type='SyncBN', requires_grad=True)),
    decode_head=dict(num_classes=11),
    auxiliary_head=None)
