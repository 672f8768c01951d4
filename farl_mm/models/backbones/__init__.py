from .farl_vit import FaRLViT
from .masked_farl_vit import MaskedFaRLViT

__all__ = ['FaRLViT', 'MaskedFaRLViT']
