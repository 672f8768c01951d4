# The authors' released 300W (iBUG) face aligner, facer `ibug300w/448`
# (face_alignment.farl.ibug300w.main_ema_jit.pt): 68 landmarks.
# Test on the dataset: python tools/test.py THIS DST.
_base_ = ['./_base_/alignment_448.py',
          '../../_base_/datasets/300w_alignment.py']
model = dict(head=dict(out_channels=68))
train_dataloader = None  # inference only: the released weights
val_dataloader = dict(dataset=dict(pipeline={{_base_.facer_test_pipeline}}))
test_dataloader = val_dataloader
