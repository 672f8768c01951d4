# The network of the authors' released face parsers (facer `lapa/448`,
# `celebm/448`; their FaRL repo farl/experiments/face_parsing/network.py and
# networks/farl.yaml): FaRL ViT-B/16 at 448 px, blocks 4/6/8/12 (raw
# tokens), the BEiT deconvolution pyramid (mmseg Feature2Pyramid, x4/x2/
# x1/x0.5), UPerHead with 768 channels, PPM 1/2/3/6, dropout 0.1; logits
# resized to 512 x 512 (their `out_size`) before the inverse warp. Input:
# RGB in [0, 1] normalised by CLIP's mean/std (their FaRLVisualFeatures),
# i.e. 0-255 pixels with the mean and std below times 255, exactly. BN
# where they have SyncBN: the same numbers at inference. Weights:
# tools/model_converters/facer2mm.py (configs/farl/released/README.md).
_base_ = ['mmseg::_base_/default_runtime.py']
custom_imports = dict(imports=['farl_mm'], allow_failed_imports=False)
size = 448
norm_cfg = dict(type='BN', requires_grad=True)
model = dict(
    type='farl_mm.FaceParser',
    data_preprocessor=dict(
        type='SegDataPreProcessor', size=(size, size), bgr_to_rgb=True,
        mean=[122.7709383, 116.7460125, 104.09373615],
        std=[68.5005327, 66.6321579, 70.32316305],
        pad_val=0, seg_pad_val=255),
    backbone=dict(type='farl_mm.FaRLViT', arch='base', img_size=size,
                  out_indices=(3, 5, 7, 11), out_type='featmap'),
    neck=dict(type='mmseg.Feature2Pyramid', embed_dim=768,
              rescales=[4, 2, 1, 0.5], norm_cfg=norm_cfg),
    decode_head=dict(
        type='mmseg.UPerHead', in_channels=[768] * 4, in_index=[0, 1, 2, 3],
        pool_scales=(1, 2, 3, 6), channels=768, dropout_ratio=0.1,
        num_classes=11, norm_cfg=norm_cfg, align_corners=False,
        loss_decode=dict(type='mmseg.CrossEntropyLoss', use_sigmoid=False,
                         loss_weight=1.0)),
    train_cfg=dict(),
    test_cfg=dict(mode='whole', logits_size=(512, 512)))
test_cfg = dict(type='TestLoop')
val_cfg = dict(type='ValLoop')
# tools/test.py --show / --show-dir switch it on (../../../_base_/schedules/
# farl_parsing.py)
default_hooks = dict(
    visualization=dict(type='SegVisualizationHook', draw=False, interval=1))
