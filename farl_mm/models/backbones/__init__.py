from .farl_vit import FaRLViT

__all__ = ['FaRLViT']
