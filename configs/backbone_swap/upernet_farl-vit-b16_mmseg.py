# mmseg's stock ViT-B/16 UperNet on ADE20K with FaRL's image encoder. Two
# changes, nothing else: the backbone (FaRLViT tapping the residual stream
# after blocks 4, 6, 8 and 12, paper §4.1; its weights through the stock
# `model.pretrained`, which mmseg hands the backbone) and the data
# preprocessor's normalisation (CLIP's mean/std, which FaRL was trained with;
# RGB, as the stock config already converts). Neck, heads, data and schedule
# are the stock config's.
_base_ = ['mmseg::vit/vit_vit-b16_mln_upernet_8xb2-80k_ade20k-512x512.py']
custom_imports = dict(imports=['farl_mm'], allow_failed_imports=False)
farl_checkpoint = 'checkpoints/farl_b16_ep64.pth'  # tools/model_converters/farl2mm.py
model = dict(
    pretrained=farl_checkpoint,  # read by FaRLViT as init_cfg Pretrained
    data_preprocessor=dict(mean=[122.771, 116.746, 104.094],
                           std=[68.501, 66.632, 70.323]),
    backbone=dict(
        _delete_=True,
        type='farl_mm.FaRLViT',
        arch='base',
        img_size=512,  # position embedding resized (bicubic) when loading
        out_indices=(3, 5, 7, 11)))
