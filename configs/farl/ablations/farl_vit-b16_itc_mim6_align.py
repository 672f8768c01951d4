# Table 3 "ITC+MIM6+ALIGN": a 6-layer MIM head on aligned faces.
_base_ = ['../farl_vit-b16_laion-face20m_pretrain.py']
model = dict(mim_head=dict(depth=6))
