# The paper's "FaRL" on LaPa (Table 4): frozen ViT-B/16, 224 px, tanh warp
# alpha 0.8; the authors' head and recipe (../_base_/models/farl_upernet.py,
# ../_base_/schedules/farl_parsing.py). Data: tools/dataset_converters/
# lapa.py; weights: tools/model_converters/farl2mm.py (see the README).
_base_ = [
    '../_base_/models/farl_upernet.py', '../_base_/datasets/lapa.py',
    '../_base_/schedules/farl_parsing.py'
]
# 5 faces per GPU, 8 GPUs (the schedule's sources; facer's LaPa release,
# main_ema_136500, is 300 epochs x 455 iterations of 40 faces)
train_dataloader = dict(batch_size=5,
                        sampler=dict(type='DefaultSampler', shuffle=True))
custom_hooks = [*_base_.custom_hooks, _base_.preflight]  # + FaRL weights?
