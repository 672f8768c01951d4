# "FaRLft 448" on CelebAMask-HQ (Table 5): 448 px, position embedding
# resized bicubically from the 224-px checkpoint at load time.
_base_ = ['./celebamask-hq_upernet_ft.py']
size = 448
model = dict(
    data_preprocessor=dict(size=(size, size)),
    backbone=dict(img_size=size))
warp = dict(type='farl_mm.FaceAlignWarp', size=size, alpha=0.0)
_load = [dict(type='LoadImageFromFile'), dict(type='LoadAnnotations')]
train_dataloader = dict(dataset=dict(pipeline=[
    *_load, dict(warp, rotate=18, scale=(0.9, 1.1), shift=0.01),
    {{_base_.pack}}]))
val_dataloader = dict(dataset=dict(pipeline=[
    *_load, dict(warp, warp_labels=False), {{_base_.pack}}]))
test_dataloader = val_dataloader
