# FaRL's face alignment model, the authors' architecture (paper §4.1; their
# code farl/experiments/face_alignment/networks/farl.yaml): ViT-B/16 blocks
# 4/6/8/12 (0-based 3/5/7/11, raw tokens) -> the deconvolution pyramid
# (mmseg's Feature2Pyramid, as ./farl_upernet.py) -> UperNet (768 channels,
# PPM 1/2/3/6, dropout 0.1) -> one heatmap of logits per landmark, resized
# to 128x128, trained with the paper's soft-label cross-entropy (the
# authors' code's sigmoid + BCE: ../../farl/aflw19_upernet_bce.py). SyncBN
# as the authors; BN on one process (the Runner reverts it). Frozen
# backbone (the paper's "FaRL"). The leaf sets head.out_channels and
# head.decoder (the dataset base's codec) and adds `preflight`
# (../farl_weights.py) to `custom_hooks`.
_base_ = ['../farl_weights.py']
custom_imports = dict(imports=['farl_mm'], allow_failed_imports=False)
norm_cfg = dict(type='SyncBN', requires_grad=True)
model = dict(
    type='TopdownPoseEstimator',
    data_preprocessor=dict(  # CLIP's normalisation, RGB
        type='PoseDataPreprocessor', bgr_to_rgb=True,
        mean=[122.771, 116.746, 104.094], std=[68.501, 66.632, 70.323]),
    backbone=dict(
        type='farl_mm.FaRLViT', arch='base', img_size=224,
        out_indices=(3, 5, 7, 11), out_type='featmap', frozen_stages=12,
        init_cfg=dict(type='Pretrained', checkpoint=_base_.farl_checkpoint,
                      prefix='backbone.')),
    neck=dict(type='mmseg.Feature2Pyramid', embed_dim=768,
              rescales=[4, 2, 1, 0.5], norm_cfg=norm_cfg),
    head=dict(
        type='farl_mm.UPerHeatmapHead', in_channels=[768] * 4,
        heatmap_size=(128, 128), channels=768, dropout_ratio=0.1,
        norm_cfg=norm_cfg, loss=dict(type='farl_mm.HeatmapSoftmaxCELoss')),
    test_cfg=dict(flip_test=False))
