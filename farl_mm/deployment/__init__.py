"""Deployment: the task models exported for runtimes outside PyTorch."""
from .onnx import OPSET, MatrixAdaptiveAvgPool2d, export_onnx, onnx_parity

__all__ = ['OPSET', 'MatrixAdaptiveAvgPool2d', 'export_onnx', 'onnx_parity']
