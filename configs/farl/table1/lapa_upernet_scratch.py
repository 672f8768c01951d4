# Table 4 "Scratch": the ViT-B/16 UperNet trained from random weights (the
# whole network learns at the head's rate; nothing is frozen).
_base_ = ['../lapa_upernet.py']
model = dict(backbone=dict(frozen_stages=-1, init_cfg=None))
custom_hooks = []  # no weights to check
