# The paper's "FaRL" on LaPa (Table 4): frozen ViT-B/16, 224 px, tanh warp
# alpha 0.8. Data: tools/dataset_converters/lapa.py; weights:
# tools/model_converters/farl2mm.py (see the README).
_base_ = [
    '../_base_/models/farl_upernet.py', '../_base_/datasets/lapa.py',
    '../_base_/schedules/farl_parsing.py'
]
custom_hooks = [_base_.preflight]  # FaRL weights present?
