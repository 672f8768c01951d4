# The authors' released LaPa parser, facer `lapa/448`
# (face_parsing.farl.lapa.main_ema_136500_jit191.pt): the LaPa 5 points onto
# the mean face at scale 1.0, tanh warp 0.8 (facer/face_parsing/farl.py
# `pretrain_settings`). Test on LaPa: python tools/test.py THIS DST.
_base_ = ['./_base_/parsing_448.py', '../../_base_/datasets/lapa.py']
# facer's pixel convention (align_corners=False) for photo, points, canvas
facer_warp = dict(type='farl_mm.FaceAlignWarp', size=448, alpha=0.8,
                  align_corners=False, warp_labels=False)
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations'),
    dict(type='farl_mm.LoadFaceLandmarks', optional=True),
    facer_warp,
    {{_base_.pack}},
]
train_dataloader = None  # inference only: the released weights
val_dataloader = dict(dataset=dict(pipeline=test_pipeline))
test_dataloader = val_dataloader
