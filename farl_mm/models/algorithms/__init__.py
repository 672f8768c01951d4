from .farl import FaRL

__all__ = ['FaRL']
