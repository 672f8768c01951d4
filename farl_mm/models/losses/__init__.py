from .contrastive import ContrastiveLoss
from .heatmap_ce import HeatmapBCECoordLoss, HeatmapSoftmaxCELoss

__all__ = ['ContrastiveLoss', 'HeatmapBCECoordLoss', 'HeatmapSoftmaxCELoss']
