# Table 3 "ITC+ALIGN": contrastive loss only, on aligned faces.
_base_ = ['../farl_vit-b16_laion-face20m_pretrain.py']
model = dict(backbone=dict(type='farl_mm.FaRLViT'), mim_head=None,
             target_generator=None)
