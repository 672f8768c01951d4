# "FaRLft 448" on CelebAMask-HQ (Table 5): 448 px, position embedding
# resized bicubically from the 224-px checkpoint at load time.
_base_ = ['./celebamask-hq_upernet_ft.py']
from farl_mm.utils.pipeline_size import at_size
size = 448
model = dict(data_preprocessor=dict(size=(size, size)),
             backbone=dict(img_size=size))
train_dataloader = dict(dataset=dict(
    pipeline=at_size(_base_.train_dataloader.dataset.pipeline, size)))
val_dataloader = dict(dataset=dict(
    pipeline=at_size(_base_.val_dataloader.dataset.pipeline, size)))
test_dataloader = val_dataloader
