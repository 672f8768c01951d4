# The network of the authors' released face aligners (facer `ibug300w/448`,
# `wflw/448`, `aflw19/448`; their FaRL repo farl/experiments/face_alignment/
# network.py and networks/farl.yaml, facer/face_alignment/farl.py): FaRL
# ViT-B/16 at 448 px, blocks 4/6/8/12 (raw tokens), the BEiT deconvolution
# pyramid (mmseg Feature2Pyramid), UPerHead with 768 channels, PPM 1/2/3/6:
# one sigmoid heatmap per landmark at 112 x 112. Decoding as facer does
# (farl_mm.FaceWarpPoseEstimator): maps resized to the 448 canvas, pulled
# back onto the photo, centre of mass there. Input: RGB in [0, 1] normalised
# by CLIP's mean/std (0-255 pixels with the values below, exactly); BN
# where they have SyncBN (same numbers at inference). Leaves set the
# landmark count and the test pipeline. Weights:
# tools/model_converters/facer2mm.py (configs/farl/released/README.md).
_base_ = ['mmpose::_base_/default_runtime.py']
custom_imports = dict(imports=['farl_mm'], allow_failed_imports=False)
size = 448
norm_cfg = dict(type='BN', requires_grad=True)
model = dict(
    type='farl_mm.FaceWarpPoseEstimator',
    data_preprocessor=dict(
        type='PoseDataPreprocessor', bgr_to_rgb=True,
        mean=[122.7709383, 116.7460125, 104.09373615],
        std=[68.5005327, 66.6321579, 70.32316305]),
    backbone=dict(type='farl_mm.FaRLViT', arch='base', img_size=size,
                  out_indices=(3, 5, 7, 11), out_type='featmap'),
    neck=dict(type='mmseg.Feature2Pyramid', embed_dim=768,
              rescales=[4, 2, 1, 0.5], norm_cfg=norm_cfg),
    head=dict(
        type='farl_mm.UPerHeatmapHead', in_channels=[768] * 4,
        out_channels=68, heatmap_size=(112, 112), channels=768,
        norm_cfg=norm_cfg, heatmap_activation='sigmoid',
        loss=dict(type='farl_mm.HeatmapBCECoordLoss')),
    test_cfg=dict(flip_test=False))
# facer's geometry for a photo with 5 points (`pretrain_settings`): the mean
# face at scale 0.8 of the 448 canvas, no tanh warp, facer's pixel
# convention; on a dataset sample without them, its box grown by 1 / 0.8.
facer_test_pipeline = [
    dict(type='LoadImage'),
    dict(type='farl_mm.FaceAlignWarp', size=size, face_scale=0.8, alpha=0.0,
         align_corners=False, warp_labels=False),
    dict(type='PackPoseInputs', meta_keys=(
        'id', 'img_id', 'img_path', 'category_id', 'crowd_index',
        'ori_shape', 'img_shape', 'input_size', 'flip', 'flip_direction',
        'flip_indices', 'raw_ann_info', 'face_warp')),
]
train_cfg = None  # inference only: the released weights
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
