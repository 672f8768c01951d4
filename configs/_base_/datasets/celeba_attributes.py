# CelebA attributes, official partition, faces aligned to FaRL's mean face
# with CelebA's 5 landmarks (tools/dataset_converters/celeba.py checks it).
dataset_type = 'farl_mm.CelebADataset'
data_root = 'data/celeba'
img_size = 224
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='farl_mm.FaceAlignWarp', size=img_size, alpha=0.0,
         require_points=True),
    dict(type='RandomFlip', prob=0.5, direction='horizontal'),
    dict(type='PackInputs'),
]
test_pipeline = [  # a photo without points: taken as an aligned face
    dict(type='LoadImageFromFile'),
    dict(type='farl_mm.FaceAlignWarp', size=img_size, alpha=0.0),
    dict(type='PackInputs'),
]
train_dataloader = dict(
    batch_size=128, num_workers=8, persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(type=dataset_type, data_root=data_root, split='train',
                 pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=128, num_workers=8, persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(type=dataset_type, data_root=data_root, split='val',
                 pipeline=test_pipeline))
test_dataloader = dict(
    val_dataloader,
    dataset=dict(val_dataloader['dataset'], split='test'))
val_evaluator = dict(type='farl_mm.AttributeAccuracy')
test_evaluator = val_evaluator
