# The paper's "FaRL" on CelebAMask-HQ (Table 5): frozen ViT-B/16, 224 px,
# no warp; the authors' head and recipe (../_base_/models/farl_upernet.py,
# ../_base_/schedules/farl_parsing.py). Data:
# tools/dataset_converters/celebamask_hq.py.
_base_ = [
    '../_base_/models/farl_upernet.py', '../_base_/datasets/celebamask_hq.py',
    '../_base_/schedules/farl_parsing.py'
]
model = dict(decode_head=dict(num_classes=19))
# 5 faces per GPU, 8 GPUs (the schedule's sources; facer's CelebAMask-HQ
# release, main_ema_181500, is 300 epochs x 605 iterations of 40 faces)
train_dataloader = dict(batch_size=5,
                        sampler=dict(type='DefaultSampler', shuffle=True))
custom_hooks = [*_base_.custom_hooks, _base_.preflight]  # + FaRL weights?
