# mmpretrain's ViT-B/16 ImageNet classifier with FaRL's image encoder: the
# class token after ln_post feeds a linear head.
_base_ = ['mmpretrain::vision_transformer/vit-base-p16_64xb64_in1k.py']
custom_imports = dict(imports=['farl_mm'], allow_failed_imports=False)
default_scope = 'mmpretrain'
farl_checkpoint = 'checkpoints/farl_b16_ep64.pth'  # tools/model_converters/farl2mm.py
model = dict(
    backbone=dict(
        _delete_=True,
        type='farl_mm.FaRLViT',
        arch='base',
        img_size=224,
        out_indices=(11, ),
        out_type='cls_token',
        init_cfg=dict(
            type='Pretrained', checkpoint=farl_checkpoint, prefix='backbone.')),
    neck=None,
    head=dict(
        _delete_=True,
        type='LinearClsHead',
        num_classes=1000,
        in_channels=768,
        loss=dict(type='CrossEntropyLoss')))
