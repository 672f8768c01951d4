# "FaRL448ft": fine-tuned at 448 px, position embeddings resized bicubically
# from the 224 px weights when they load. The heatmaps stay 128x128.
_base_ = ['./300w_upernet_ft.py']
from farl_mm.utils.pipeline_size import at_size
size = 448
model = dict(backbone=dict(img_size=size),
             head=dict(decoder=dict(_base_.codec, input_size=(size, size))))
train_dataloader = dict(dataset=dict(
    pipeline=at_size(_base_.train_dataloader.dataset.pipeline, size)))
val_dataloader = dict(dataset=dict(
    pipeline=at_size(_base_.val_dataloader.dataset.pipeline, size)))
test_dataloader = val_dataloader
