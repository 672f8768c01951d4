# 300W (paper Table 8): 3,837 train faces, 68 points; test on the full set
# (689 = common 554 + challenge 135, subsets reported). The official
# 600-image test set: test_dataloader.dataset.ann_file=
# annotations/face_landmarks_300w_test_official.json. NME by the
# outer-eye-corner distance. Validation on the test set only watches training.
_base_ = ['./aflw19_alignment.py']
dataset_type = 'farl_mm.Face300WDataset'
data_root = 'data/300w'
prepare = ('python tools/dataset_converters/300w.py data/300w/csv '
           'data/300w/images data/300w/annotations')
dataset = dict(type=dataset_type, data_root=data_root,
               data_prefix=dict(img='images/'), prepare=prepare)
train_dataloader = dict(dataset=dict(
    **dataset, ann_file='annotations/face_landmarks_300w_train.json'))
val_dataloader = dict(dataset=dict(
    **dataset, ann_file='annotations/face_landmarks_300w_test.json'))
test_dataloader = val_dataloader
val_evaluator = dict(_delete_=True, type='farl_mm.FaceLandmarkMetric',
                     norm_mode='inter_ocular', threshold=0.1)
test_evaluator = val_evaluator
