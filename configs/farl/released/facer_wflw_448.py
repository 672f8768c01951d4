# The authors' released WFLW face aligner, facer `wflw/448`
# (face_alignment.farl.wflw.main_ema_jit.pt): 98 landmarks.
# Test on the dataset: python tools/test.py THIS DST.
_base_ = ['./_base_/alignment_448.py',
          '../../_base_/datasets/wflw_alignment.py']
model = dict(head=dict(out_channels=98))
train_dataloader = None  # inference only: the released weights
val_dataloader = dict(dataset=dict(pipeline={{_base_.facer_test_pipeline}}))
test_dataloader = val_dataloader
