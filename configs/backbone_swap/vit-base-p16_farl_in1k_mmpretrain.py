# mmpretrain's stock ViT-B/16 ImageNet classifier with FaRL's image encoder.
# Two changes, nothing else: the backbone (FaRLViT's class token after
# ln_post, what the stock ViT hands its head; FaRL's weights through
# init_cfg) and the data preprocessor's normalisation (CLIP's mean/std,
# which FaRL was trained with; RGB, as the stock config already converts).
# Head, loss, data and schedule are the stock config's.
_base_ = ['mmpretrain::vision_transformer/vit-base-p16_64xb64_in1k.py']
custom_imports = dict(imports=['farl_mm'], allow_failed_imports=False)
farl_checkpoint = 'checkpoints/farl_b16_ep64.pth'  # tools/model_converters/farl2mm.py
data_preprocessor = dict(mean=[122.771, 116.746, 104.094],
                         std=[68.501, 66.632, 70.323])
model = dict(
    backbone=dict(
        _delete_=True,
        type='farl_mm.FaRLViT',
        arch='base',
        img_size=224,
        out_indices=(11, ),
        out_type='cls_token',
        init_cfg=dict(
            type='Pretrained', checkpoint=farl_checkpoint, prefix='backbone.')))
