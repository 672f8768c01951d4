# CelebA attributes, FaRL ViT-B/16 fine-tuned (paper Table 9: FaRL_ft) with
# the appendix's augmentations: flip, random crop, Gaussian noise, grayscale
# p=0.1 and landmark noise of variance 5 before aligning. The backbone
# learning rate is not stated; lr_mult 1e-4 (3e-5) is our choice.
_base_ = ['./celeba_attributes.py']
model = dict(backbone=dict(frozen_stages=-1))
img_size = 224
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='farl_mm.FaceAlignWarp', size=img_size, alpha=0.0,
         landmark_noise_var=5.0, require_points=True),
    dict(type='RandomFlip', prob=0.5, direction='horizontal'),
    dict(type='RandomCrop', crop_size=img_size, padding=16),
    dict(type='farl_mm.RandomGaussianNoise', prob=0.5),
    dict(type='RandomGrayscale', prob=0.1, keep_channels=True),
    dict(type='PackInputs'),
]
train_dataloader = dict(batch_size=64, dataset=dict(pipeline=train_pipeline))
optim_wrapper = dict(
    clip_grad=dict(max_norm=1.0),
    paramwise_cfg=dict(custom_keys={'backbone': dict(lr_mult=1e-4)}))
