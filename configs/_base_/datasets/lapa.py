# LaPa (paper appendix): 5 of the 106 landmarks aligned to the mean face at
# 224 px, jitter (±18°, x0.9-1.1, ±0.01 s), tanh warp alpha 0.8 on image and
# label; at test time only the image is warped and the logits are mapped
# back (farl_mm.FaceParser), so F1 is scored at the original resolution.
dataset_type = 'farl_mm.LaPaDataset'
data_root = 'data/lapa'  # tools/dataset_converters/lapa.py
warp = dict(type='farl_mm.FaceAlignWarp', size=224, alpha=0.8)
pack = dict(type='PackSegInputs', meta_keys=(
    'img_path', 'seg_map_path', 'ori_shape', 'img_shape', 'flip',
    'flip_direction', 'face_warp'))
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations'),
    dict(type='farl_mm.LoadFaceLandmarks'),
    dict(warp, rotate=18, scale=(0.9, 1.1), shift=0.01),
    pack,
]
test_pipeline = [  # a photo without landmark files: the whole photo
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations'),
    dict(type='farl_mm.LoadFaceLandmarks', optional=True),
    dict(warp, warp_labels=False),
    pack,
]


def split(name, pipeline):
    return dict(
        type=dataset_type, data_root=data_root, pipeline=pipeline,
        data_prefix=dict(img_path=f'{name}/images',
                         seg_map_path=f'{name}/labels',
                         landmark_path=f'{name}/landmarks'))


train_dataloader = dict(
    batch_size=8, num_workers=4, persistent_workers=True,
    sampler=dict(type='InfiniteSampler', shuffle=True),
    dataset=split('train', train_pipeline))
val_dataloader = dict(
    batch_size=1, num_workers=4, persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=split('val', test_pipeline))
test_dataloader = dict(val_dataloader, dataset=split('test', test_pipeline))
val_evaluator = dict(type='farl_mm.FaceParsingF1')
test_evaluator = val_evaluator
