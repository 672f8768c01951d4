# FaRL pretraining model (paper §3.1, farl_reference.md §2): ViT-B/16 image
# tower and CLIP text tower, both projected to 512; contrastive loss over the
# global batch (temperature 0.07, clamped at 100) plus MIM through a 1-layer
# head on the DALL-E tokenizer's 8192 tokens of a 112 px copy of the image.
custom_imports = dict(imports=['farl_mm'], allow_failed_imports=False)
model = dict(
    type='farl_mm.FaRL',
    data_preprocessor=dict(  # CLIP's normalisation, BGR images -> RGB
        type='mmpretrain.ClsDataPreprocessor',
        mean=[122.771, 116.746, 104.094],
        std=[68.501, 66.632, 70.323],
        to_rgb=True),
    backbone=dict(
        type='farl_mm.MaskedFaRLViT', arch='base', img_size=224,
        patch_size=16, out_indices=(-1, ), out_type='embedding'),
    text_backbone=dict(type='farl_mm.CLIPTextTransformer', arch='base'),
    mim_head=dict(type='farl_mm.MIMHead', embed_dims=768, num_heads=12,
                  vocab_size=8192, depth=1),
    # mmpretrain's DALL-E encoder weights (BEiT v1's target generator), on
    # local disk: https://download.openmmlab.com/mmselfsup/1.x/
    # target_generator_ckpt/dalle_encoder.pth
    target_generator=dict(
        type='farl_mm.DALLETokenizer',
        checkpoint='data/pretrained/dalle_encoder.pth', size=112),
    itc_loss=dict(type='farl_mm.ContrastiveLoss'),
    itc_weight=1.0,
    mim_weight=1.0)
