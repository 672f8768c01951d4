# The paper's "FaRL" on AFLW-19 (Table 6): frozen ViT-B/16, 224 px; the
# authors' head and recipe (../_base_/models/farl_upernet_heatmap.py,
# ../_base_/schedules/farl_alignment.py), the paper's loss. Data:
# tools/dataset_converters/aflw19.py; weights:
# tools/model_converters/farl2mm.py (see configs/farl/README.md).
_base_ = [
    '../_base_/models/farl_upernet_heatmap.py',
    '../_base_/datasets/aflw19_alignment.py',
    '../_base_/schedules/farl_alignment.py'
]
model = dict(head=dict(out_channels=19, decoder=_base_.codec))
train_dataloader = dict(batch_size=5)  # x 8 GPUs (the schedule's sources)
custom_hooks = [*_base_.custom_hooks, _base_.preflight]  # + FaRL weights?
