# The demo's "Scratch" row for attributes: celeba_attributes_tiny_demo.py
# with the frozen backbone left at its random initialisation.
_base_ = ['./celeba_attributes_tiny_demo.py']
model = dict(backbone=dict(init_cfg=None))
custom_hooks = []
