# "FaRL448ft": fine-tuned at 448 px, position embeddings resized bicubically
# from the 224 px weights when they load. The heatmaps stay 128x128; the
# 448-px codec and pipelines: ../_base_/datasets/aflw19_alignment.py.
_base_ = ['./aflw19_upernet_ft.py']
model = dict(backbone=dict(img_size=448), head=dict(decoder=_base_.codec_448))
train_dataloader = dict(dataset=dict(pipeline=_base_.train_pipeline_448))
val_dataloader = dict(dataset=dict(pipeline=_base_.test_pipeline_448))
test_dataloader = val_dataloader
