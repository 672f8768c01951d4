# The paper's "FaRL" on 300W (Table 8): frozen ViT-B/16, 224 px.
_base_ = [
    '../_base_/models/farl_upernet_heatmap.py',
    '../_base_/datasets/300w_alignment.py',
    '../_base_/schedules/farl_alignment.py'
]
model = dict(head=dict(out_channels=68, decoder=_base_.codec))
custom_hooks = [dict(type='SyncBuffersHook'), _base_.preflight]
