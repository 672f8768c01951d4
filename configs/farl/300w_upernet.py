# The paper's "FaRL" on 300W (Table 8): frozen ViT-B/16, 224 px, the face at
# 0.8 of the crop; the authors' head and recipe
# (../_base_/models/farl_upernet_heatmap.py,
# ../_base_/schedules/farl_alignment.py), the paper's loss.
_base_ = [
    '../_base_/models/farl_upernet_heatmap.py',
    '../_base_/datasets/300w_alignment.py',
    '../_base_/schedules/farl_alignment.py'
]
model = dict(head=dict(out_channels=68, decoder=_base_.codec))
train_dataloader = dict(batch_size=5)  # x 8 GPUs (the schedule's sources)
# 250 epochs (FacePerceiver/FaRL farl/experiments/face_alignment/trainers/
# ibug300w_farl.yaml `max_epoches`): the lr drops x0.1 after epoch 200
train_cfg = dict(max_epochs=250)
custom_hooks = [*_base_.custom_hooks, _base_.preflight]  # + FaRL weights?
