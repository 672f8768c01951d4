# The paper's "FaRL" on CelebAMask-HQ (Table 5): frozen ViT-B/16, 224 px,
# no warp. Data: tools/dataset_converters/celebamask_hq.py.
_base_ = [
    '../_base_/models/farl_upernet.py', '../_base_/datasets/celebamask_hq.py',
    '../_base_/schedules/farl_parsing.py'
]
model = dict(decode_head=dict(num_classes=19))
custom_hooks = [_base_.preflight]  # FaRL weights present?
