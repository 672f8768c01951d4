# "FaRLft 448" (Table 4): 448 px input; the 14x14 position embedding of the
# 224-px checkpoint is bicubically resized to 28x28 when it is loaded.
_base_ = ['./lapa_upernet_ft.py']
from farl_mm.utils.pipeline_size import at_size
size = 448
model = dict(data_preprocessor=dict(size=(size, size)),
             backbone=dict(img_size=size))
train_dataloader = dict(dataset=dict(
    pipeline=at_size(_base_.train_dataloader.dataset.pipeline, size)))
val_dataloader = dict(dataset=dict(
    pipeline=at_size(_base_.val_dataloader.dataset.pipeline, size)))
test_dataloader = val_dataloader
