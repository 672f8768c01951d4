# Few-shot 300w (paper Table 2 style): train on 10% of the training set, a
# fixed seeded subset (nested: the 1% faces are among the 10% ones).
_base_ = ['./300w_upernet.py']
train_dataloader = dict(dataset=dict(
    _delete_=True, type='farl_mm.few_shot_subset', fraction=0.1, seed=0,
    dataset=_base_.train_dataloader.dataset))
