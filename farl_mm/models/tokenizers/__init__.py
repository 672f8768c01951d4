from .dalle import DALLETokenizer
from .random_projection import RandomProjectionTokenizer

__all__ = ['DALLETokenizer', 'RandomProjectionTokenizer']
