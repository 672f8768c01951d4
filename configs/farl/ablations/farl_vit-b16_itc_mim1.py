# Table 3 "ITC+MIM1": contrastive + MIM with a 1-layer head, CLIP's random
# square crops instead of ALIGN. (ITC+MIM1+ALIGN is the default: the parent.)
_base_ = ['../farl_vit-b16_laion-face20m_pretrain.py']
train_dataloader = dict(
    dataset=dict(pipeline={{_base_.train_pipeline_noalign}}))
