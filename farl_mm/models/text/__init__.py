from .clip_text import CLIPTextTransformer
from .tokenizer import CLIPTokenizer, shared_tokenizer

__all__ = ['CLIPTextTransformer', 'CLIPTokenizer', 'shared_tokenizer']
