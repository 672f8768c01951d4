from .face_parser import FaceParser

__all__ = ['FaceParser']
