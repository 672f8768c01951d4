# FairFace (padding-0.25 face crops): age 9, gender 2, race 7 as one
# multi-task sample; tools/dataset_converters/fairface.py checks the files.
# FairFace publishes no test labels: val is the test set (paper Table 11).
dataset_type = 'farl_mm.FairFaceDataset'
data_root = 'data/fairface'
img_size = 224
pack = dict(type='PackMultiTaskInputs', multi_task_fields=['gt_label'])
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale=(img_size, img_size)),
    dict(type='RandomFlip', prob=0.5, direction='horizontal'),
    pack,
]
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale=(img_size, img_size)),
    pack,
]
train_dataloader = dict(
    batch_size=128, num_workers=8, persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(type=dataset_type, data_root=data_root,
                 ann_file='fairface_label_train.csv', pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=128, num_workers=8, persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(type=dataset_type, data_root=data_root,
                 ann_file='fairface_label_val.csv', pipeline=test_pipeline))
test_dataloader = val_dataloader
# race groups: the dataset's own race classes (FairFaceDataset.METAINFO)
val_evaluator = dict(type='farl_mm.FairFaceAccuracy')
test_evaluator = val_evaluator
