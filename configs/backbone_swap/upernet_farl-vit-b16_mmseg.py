# mmseg's ViT-B/16 UperNet with FaRL's image encoder (paper §4.1 taps the
# residual stream after blocks 4, 6, 8 and 12).
_base_ = [
    'mmseg::_base_/models/upernet_vit-b16_ln_mln.py',
    'mmseg::_base_/default_runtime.py',
]
custom_imports = dict(imports=['farl_mm'], allow_failed_imports=False)
farl_checkpoint = 'checkpoints/farl_b16_ep64.pth'  # tools/model_converters/farl2mm.py
num_classes = 11  # LaPa
model = dict(
    pretrained=None,
    data_preprocessor=dict(size=(224, 224)),
    backbone=dict(
        _delete_=True,
        type='farl_mm.FaRLViT',
        arch='base',
        img_size=224,
        out_indices=(3, 5, 7, 11),
        out_type='featmap',
        init_cfg=dict(
            type='Pretrained', checkpoint=farl_checkpoint, prefix='backbone.')),
    decode_head=dict(num_classes=num_classes),
    auxiliary_head=dict(num_classes=num_classes))
