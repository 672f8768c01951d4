# WFLW (paper Table 7): 7,500 train / 2,500 test faces, 98 points; test
# subsets from the official attributes. Same crop, targets and augmentation
# as AFLW-19 (./aflw19_alignment.py); NME by the outer-eye-corner distance,
# FR/AUC at 0.1. Validation on the test set only watches training.
_base_ = ['./aflw19_alignment.py']
dataset_type = 'farl_mm.WFLWDataset'
data_root = 'data/wflw'
prepare = ('python tools/dataset_converters/wflw.py '
           'data/wflw/WFLW_annotations/list_98pt_rect_attr_train_test '
           'data/wflw/WFLW_images data/wflw/annotations')
dataset = dict(type=dataset_type, data_root=data_root,
               data_prefix=dict(img='WFLW_images/'), prepare=prepare)
train_dataloader = dict(dataset=dict(
    **dataset, ann_file='annotations/face_landmarks_wflw_train.json'))
val_dataloader = dict(dataset=dict(
    **dataset, ann_file='annotations/face_landmarks_wflw_test.json'))
test_dataloader = val_dataloader
val_evaluator = dict(_delete_=True, type='farl_mm.FaceLandmarkMetric',
                     norm_mode='inter_ocular', threshold=0.1)
test_evaluator = val_evaluator
