# "FaRLft 448" (Table 4): 448 px input; the 14x14 position embedding of the
# 224-px checkpoint is bicubically resized to 28x28 when it is loaded.
_base_ = ['./lapa_upernet_ft.py']
size = 448
model = dict(
    data_preprocessor=dict(size=(size, size)),
    backbone=dict(img_size=size))
warp = dict(type='farl_mm.FaceAlignWarp', size=size, alpha=0.8)
_load = [dict(type='LoadImageFromFile'), dict(type='LoadAnnotations'),
         dict(type='farl_mm.LoadFaceLandmarks')]
train_dataloader = dict(dataset=dict(pipeline=[
    *_load, dict(warp, rotate=18, scale=(0.9, 1.1), shift=0.01),
    {{_base_.pack}}]))
val_dataloader = dict(dataset=dict(pipeline=[
    *_load, dict(warp, warp_labels=False), {{_base_.pack}}]))
test_dataloader = val_dataloader
