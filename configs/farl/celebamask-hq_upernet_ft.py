# "FaRLft" on CelebAMask-HQ (Table 5): the backbone is fine-tuned too, at lr
# 1e-4 (the schedule's `backbone` lr_mult, as the authors' code does).
_base_ = ['./celebamask-hq_upernet.py']
model = dict(backbone=dict(frozen_stages=-1))
