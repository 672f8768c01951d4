# The authors' released AFLW-19 face aligner, facer `aflw19/448`
# (face_alignment.farl.aflw19.main_ema_jit.pt): 19 landmarks.
# Test on the dataset: python tools/test.py THIS DST.
_base_ = ['./_base_/alignment_448.py',
          '../../_base_/datasets/aflw19_alignment.py']
model = dict(head=dict(out_channels=19))
train_dataloader = None  # inference only: the released weights
val_dataloader = dict(dataset=dict(pipeline={{_base_.facer_test_pipeline}}))
test_dataloader = val_dataloader
