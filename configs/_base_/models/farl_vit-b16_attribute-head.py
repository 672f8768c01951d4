# FaRL's ViT-B/16, frozen, feeding the attribute head of paper §4.1: class
# token, mean and max of the patch tokens of blocks 4/6/8/12 (0-based
# 3/5/7/11), each layer-normalised, softmax-weighted, then one linear layer.
_base_ = ['../farl_weights.py']
custom_imports = dict(imports=['farl_mm'], allow_failed_imports=False)
model = dict(
    type='ImageClassifier',
    data_preprocessor=dict(  # CLIP's normalisation, RGB
        type='ClsDataPreprocessor', num_classes=40,
        mean=[122.771, 116.746, 104.094], std=[68.501, 66.632, 70.323],
        to_rgb=True),
    backbone=dict(
        type='farl_mm.FaRLViT', arch='base', img_size=224,
        out_indices=(3, 5, 7, 11), out_type='raw', frozen_stages=12,
        init_cfg=dict(type='Pretrained', checkpoint=_base_.farl_checkpoint,
                      prefix='backbone.')),
    neck=None,
    head=dict(
        type='farl_mm.FaRLAttributeHead', num_classes=40, in_channels=768,
        num_levels=4,
        loss=dict(type='mmpretrain.CrossEntropyLoss', use_sigmoid=True)))
