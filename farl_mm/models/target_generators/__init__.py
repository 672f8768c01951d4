"""MIM target generators: frozen image tokenizers (BEiT's sense) whose token
ids the masked patches are trained to predict; not the text tokenizer
(:mod:`farl_mm.models.text.tokenizer`)."""
from .dalle import DALLETokenizer
from .random_projection import RandomProjectionTokenizer

__all__ = ['DALLETokenizer', 'RandomProjectionTokenizer']
