# mmpose's WFLW top-down heatmap config with FaRL's image encoder in place of
# HRNetV2: the last block's 16x16 map, upsampled x4 by deconvolutions.
_base_ = ['mmpose::face_2d_keypoint/topdown_heatmap/wflw/'
          'td-hm_hrnetv2-w18_8xb64-60e_wflw-256x256.py']
custom_imports = dict(imports=['farl_mm'], allow_failed_imports=False)
default_scope = 'mmpose'
farl_checkpoint = 'checkpoints/farl_b16_ep64.pth'  # tools/model_converters/farl2mm.py
model = dict(
    backbone=dict(
        _delete_=True,
        type='farl_mm.FaRLViT',
        arch='base',
        img_size=256,  # position embeddings resized (bicubic) when loading
        out_indices=(11, ),
        out_type='featmap',
        init_cfg=dict(
            type='Pretrained', checkpoint=farl_checkpoint, prefix='backbone.')),
    neck=None,
    head=dict(
        in_channels=768,
        deconv_out_channels=(256, 256),
        deconv_kernel_sizes=(4, 4),
        conv_out_channels=None,
        conv_kernel_sizes=None))
