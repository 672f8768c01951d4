# WFLW (paper Table 7): 7,500 train / 2,500 test faces, 98 points; test
# subsets from the official attributes. Pipelines (targets, augmentation and
# the crop with context the authors use for 300W and WFLW alike), NME by the
# outer-eye-corner distance and FR/AUC at 0.1 as 300W (./300w_alignment.py).
# Validation on the test set only watches training.
_base_ = ['./300w_alignment.py']
dataset_type = 'farl_mm.FaRLWFLWDataset'
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
