# Table 3 "ITC": contrastive loss only (no mask token, no MIM head, no
# tokenizer), CLIP's random square crops instead of ALIGN.
_base_ = ['../farl_vit-b16_laion-face20m_pretrain.py']
model = dict(backbone=dict(type='farl_mm.FaRLViT'), mim_head=None,
             target_generator=None)
train_dataloader = dict(
    dataset=dict(pipeline={{_base_.train_pipeline_noalign}}))
