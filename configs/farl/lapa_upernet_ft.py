# "FaRLft" (Table 4): the backbone is fine-tuned too, at lr 1e-4, a tenth of
# the head's (the schedule's `backbone` lr_mult, as the authors' code does).
_base_ = ['./lapa_upernet.py']
model = dict(backbone=dict(frozen_stages=-1))
