# The authors' code variant of the alignment loss (farl_reference.md §6):
# sigmoid heatmaps with per-pixel BCE plus the distance between soft-argmax
# coordinates, instead of the paper's spatial-softmax cross-entropy.
_base_ = ['./aflw19_upernet.py']
# The head decodes sigmoid maps because this loss trains them (its
# `activation`).
model = dict(head=dict(
    loss=dict(type='farl_mm.HeatmapBCECoordLoss', coord_weight=1.0)))
