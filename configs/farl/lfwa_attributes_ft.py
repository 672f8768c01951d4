# LFWA attributes, FaRL ViT-B/16 fine-tuned (paper Table 9: FaRL_ft): the
# CelebA fine-tuning recipe on LFWA's files (see lfwa_attributes.py).
_base_ = ['./celeba_attributes_ft.py']
lfwa = dict(type='farl_mm.LFWADataset', data_root='data/lfwa',
            landmarks_file='list_landmarks_lfwa.txt')
train_dataloader = dict(dataset=lfwa)
val_dataloader = dict(dataset=dict(lfwa, split='test'))
test_dataloader = val_dataloader
