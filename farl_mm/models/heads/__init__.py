from .attribute_head import FaRLAttributeClsHead, FaRLAttributeHead
from .mim_head import MIMHead
from .upernet_heatmap_head import UPerHeatmapHead

__all__ = [
    'FaRLAttributeClsHead', 'FaRLAttributeHead', 'MIMHead',
    'UPerHeatmapHead'
]
