# Paper §4.1: AdamW, lr 0.3, cosine decay to zero over 100 epochs. The
# weight decay is not stated; 1e-5 as for the paper's other heads.
optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(type='AdamW', lr=0.3, weight_decay=1e-5))
param_scheduler = [
    dict(type='CosineAnnealingLR', T_max=100, eta_min=0.0, by_epoch=True,
         begin=0, end=100, convert_to_iter_based=True),
]
train_cfg = dict(by_epoch=True, max_epochs=100, val_interval=5)
val_cfg = dict()
test_cfg = dict()
