# mmpose's stock ViTPose-B top-down heatmap model (COCO, 256x192) with FaRL's
# image encoder. Two changes, nothing else: the backbone (FaRLViT's last
# block as a 16x12 map, what the stock ViT hands its deconvolution head;
# FaRL's weights through init_cfg, the position embedding resized bicubic
# from 14x14 when loading) and the data preprocessor's normalisation (CLIP's
# mean/std, which FaRL was trained with; RGB, as the stock config already
# converts). Head, codec, data, layer-wise lr decay and schedule are the
# stock config's. (mmpose ships no ViT face-landmark config; the FaRL face
# alignment recipes are configs/farl/*_upernet*.py.)
_base_ = ['mmpose::body_2d_keypoint/topdown_heatmap/coco/'
          'td-hm_ViTPose-base_8xb64-210e_coco-256x192.py']
custom_imports = dict(
    imports=['mmpose.engine.optim_wrappers.layer_decay_optim_wrapper',
             'farl_mm'],
    allow_failed_imports=False)
farl_checkpoint = 'checkpoints/farl_b16_ep64.pth'  # tools/model_converters/farl2mm.py
model = dict(
    data_preprocessor=dict(mean=[122.771, 116.746, 104.094],
                           std=[68.501, 66.632, 70.323]),
    backbone=dict(
        _delete_=True,
        type='farl_mm.FaRLViT',
        arch='base',
        img_size=(256, 192),
        out_indices=(11, ),
        out_type='featmap',
        init_cfg=dict(
            type='Pretrained', checkpoint=farl_checkpoint, prefix='backbone.')))
