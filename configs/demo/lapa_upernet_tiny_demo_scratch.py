# The demo's "Scratch" row for parsing: lapa_upernet_tiny_demo.py with the
# frozen backbone left at its random initialisation.
_base_ = ['./lapa_upernet_tiny_demo.py']
model = dict(backbone=dict(init_cfg=None))
custom_hooks = []
