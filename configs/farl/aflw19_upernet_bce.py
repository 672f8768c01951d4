# The authors' code variant of the alignment loss (farl_reference.md §6):
# sigmoid heatmaps with per-pixel BCE plus the distance between soft-argmax
# coordinates, instead of the paper's spatial-softmax cross-entropy.
_base_ = ['./aflw19_upernet.py']
model = dict(head=dict(
    heatmap_activation='sigmoid',
    loss=dict(type='farl_mm.HeatmapBCECoordLoss', coord_weight=1.0)))
