# 300W (paper Table 8): 3,837 train faces, 68 points; test on the full set
# (689 = common 554 + challenge 135, subsets reported). The official
# 600-image test set: test_dataloader.dataset.ann_file=
# annotations/face_landmarks_300w_test_official.json. NME by the
# outer-eye-corner distance. Validation on the test set only watches training.
_base_ = ['./aflw19_alignment.py']
dataset_type = 'farl_mm.FaRLFace300WDataset'
data_root = 'data/300w'
prepare = ('python tools/dataset_converters/300w.py data/300w/csv '
           'data/300w/images data/300w/annotations')
dataset = dict(type=dataset_type, data_root=data_root,
               data_prefix=dict(img='images/'), prepare=prepare)


# The authors crop 300W and WFLW faces with context: the box at 0.8 of the
# crop (FacePerceiver/FaRL, farl/experiments/face_alignment/trainers/
# ibug300w_farl.yaml and wflw_farl.yaml `scale_mu=0.8`; AFLW-19: 1.0), i.e.
# the box padded by 1 / 0.8.
def _context(pipeline):
    return [dict(t, padding=1.25) if t['type'] == 'GetBBoxCenterScale'
            else t for t in pipeline]


train_pipeline = _context(_base_.train_pipeline)
test_pipeline = _context(_base_.test_pipeline)
train_dataloader = dict(dataset=dict(
    **dataset, pipeline=train_pipeline,
    ann_file='annotations/face_landmarks_300w_train.json'))
val_dataloader = dict(dataset=dict(
    **dataset, pipeline=test_pipeline,
    ann_file='annotations/face_landmarks_300w_test.json'))
test_dataloader = val_dataloader
val_evaluator = dict(_delete_=True, type='farl_mm.FaceLandmarkMetric',
                     norm_mode='inter_ocular', threshold=0.1)
test_evaluator = val_evaluator
