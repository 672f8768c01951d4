# AFLW-19 (paper §4.1, Table 6): 20,000 train / 4,386 test faces, 19 points,
# cropped on the given box at 224 px; 128x128 Gaussian targets (sigma 1).
# Augmentation (appendix): rotation within ±10°, scale 0.9-1.1, shift
# 0.01·s of the box, then blur, noise and occlusion on the crop.
# NME by box diagonal ("diag") and sqrt(w·h) ("box"), FR/AUC at 0.07.
# Scores are of the final checkpoint; validation runs on the test set only
# to watch training (no checkpoint is selected by it).
dataset_type = 'farl_mm.FaRLAFLW19Dataset'
data_mode = 'topdown'  # read by mmpose's Pose2DInferencer
data_root = 'data/aflw19'
prepare = ('python tools/dataset_converters/aflw19.py '
           'data/aflw19/AFLWinfo_release.mat data/aflw19/flickr '
           'data/aflw19/annotations')
input_size = (224, 224)
codec = dict(type='MSRAHeatmap', input_size=input_size,
             heatmap_size=(128, 128), sigma=1.0, unbiased=True,
             blur_kernel_size=11)
train_pipeline = [
    dict(type='LoadImage'),
    dict(type='GetBBoxCenterScale', padding=1.0),
    dict(type='RandomBBoxTransform', shift_factor=0.01, shift_prob=1.0,
         scale_factor=(0.9, 1.1), scale_prob=1.0, rotate_factor=10.0,
         rotate_prob=1.0),
    dict(type='TopdownAffine', input_size=input_size),
    # sigma uniform in [0.5, 2] px with probability 0.3
    dict(type='mmpretrain.GaussianBlur', magnitude_range=(0.5, 2.0),
         magnitude_std='inf', prob=0.3),
    dict(type='farl_mm.RandomGaussianNoise'),
    dict(type='farl_mm.RandomOcclusion'),
    dict(type='GenerateTarget', encoder=codec),
    dict(type='PackPoseInputs'),
]
test_pipeline = [
    dict(type='LoadImage'),
    dict(type='GetBBoxCenterScale', padding=1.0),
    dict(type='TopdownAffine', input_size=input_size),
    dict(type='PackPoseInputs'),
]
dataset = dict(type=dataset_type, data_root=data_root, data_mode='topdown',
               data_prefix=dict(img='flickr/'), prepare=prepare)
train_dataloader = dict(
    batch_size=16, num_workers=4, persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(**dataset, pipeline=train_pipeline,
                 ann_file='annotations/face_landmarks_aflw19_train.json'))
val_dataloader = dict(
    batch_size=32, num_workers=4, persistent_workers=True, drop_last=False,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(**dataset, pipeline=test_pipeline, test_mode=True,
                 ann_file='annotations/face_landmarks_aflw19_test.json'))
test_dataloader = val_dataloader
val_evaluator = [
    dict(type='farl_mm.FaceLandmarkMetric', norm_mode='box_diag',
         threshold=0.07, prefix='diag'),
    dict(type='farl_mm.FaceLandmarkMetric', norm_mode='box_sqrt_area',
         threshold=0.07, prefix='box'),
]
test_evaluator = val_evaluator
