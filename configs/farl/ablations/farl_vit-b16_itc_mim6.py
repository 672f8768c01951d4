# Table 3 "ITC+MIM6": a 6-layer MIM head, CLIP's random square crops.
_base_ = ['./farl_vit-b16_itc_mim1.py']
model = dict(mim_head=dict(depth=6))
