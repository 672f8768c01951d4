# The authors' released CelebAMask-HQ parser, facer `celebm/448`
# (face_parsing.farl.celebm.main_ema_181500_jit.pt): on a photo, the crop
# that made CelebA-HQ from the 5 points, no tanh warp (facer/transform.py
# `get_face_align_matrix_celebm`); CelebAMask-HQ's own images are that crop
# already, so on the dataset the whole image is rescaled.
_base_ = ['./_base_/parsing_448.py', '../../_base_/datasets/celebamask_hq.py']
model = dict(decode_head=dict(num_classes=19))
facer_warp = dict(type='farl_mm.FaceAlignWarp', size=448, alpha=0.0,
                  crop='celebahq', align_corners=False, warp_labels=False)
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations'),
    facer_warp,
    {{_base_.pack}},
]
train_dataloader = None  # inference only: the released weights
val_dataloader = dict(dataset=dict(pipeline=test_pipeline))
test_dataloader = val_dataloader
