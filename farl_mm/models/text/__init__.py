from .clip_text import CLIPTextTransformer

__all__ = ['CLIPTextTransformer']
