# LFWA attributes: 6,263 train / 6,880 test, converted to CelebA's text
# format by tools/dataset_converters/lfwa.py. The paper aligns with
# RetinaFace's 5 points: pass them to the converter (--landmarks); LFWA has
# no validation split, so validation runs on test (not used for selection).
_base_ = ['./celeba_attributes.py']
dataset_type = 'farl_mm.LFWADataset'
data_root = 'data/lfwa'
lfwa = dict(type=dataset_type, data_root=data_root,
            landmarks_file='list_landmarks_lfwa.txt')
train_dataloader = dict(batch_size=64, dataset=dict(lfwa, split='train'))
val_dataloader = dict(batch_size=64, dataset=dict(lfwa, split='test'))
test_dataloader = val_dataloader
