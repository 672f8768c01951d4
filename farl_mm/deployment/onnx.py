"""ONNX export of the parsing and alignment models (fixed input size).

The graph takes the face the config's test pipeline has already cropped
(alignment + tanh warp for parsing, the box crop for alignment): float32
``(N, 3, S, S)`` **BGR pixels in [0, 255]**, i.e. the crop as OpenCV holds
it, transposed to CHW. It applies the model's own data preprocessor (the
BGR -> RGB swap, CLIP's mean and std), so nothing is normalised twice or
forgotten. Outputs are the head's raw logits: parsing ``(N, classes, S/4,
S/4)`` (before the resize and inverse warp that ``FaceParser`` does),
alignment ``(N, landmarks, h, w)`` heatmap logits (before the codec's
activation and decoding). Flip test-time augmentation (``test_cfg``) is
not in the graph: run it on the mirrored crop yourself if you want it.

The TorchScript exporter (``dynamo=False``) is used: torch's default
dynamo exporter needs ``onnxscript``, which is not in the pinned set. Its
one gap here is UperNet's pyramid pooling: ONNX's adaptive pooling only
takes bin counts that divide the input (7 -> 1, 2, 3, 6 does not), so each
``AdaptiveAvgPool2d`` becomes two averaging matrices built for the fixed
size, the same numbers as PyTorch's bins.
"""
import copy
import warnings

import numpy as np
import torch
import torch.nn as nn

#: ONNX opset of the export; onnxruntime >= 1.14 runs it.
OPSET = 17


def adaptive_pool_matrix(in_size, out_size):
    """``(out, in)`` matrix whose rows average PyTorch's adaptive bins,
    ``[floor(i * in / out), ceil((i + 1) * in / out))``."""
    mat = np.zeros((out_size, in_size), np.float32)
    for i in range(out_size):
        start = (i * in_size) // out_size
        end = -((-(i + 1) * in_size) // out_size)
        mat[i, start:end] = 1.0 / (end - start)
    return torch.from_numpy(mat)


class MatrixAdaptiveAvgPool2d(nn.Module):
    """``nn.AdaptiveAvgPool2d`` as ``P_h @ x @ P_w^T``: exportable at any
    bin count (a bin's mean is separable in rows and columns)."""

    def __init__(self, output_size):
        super().__init__()
        size = output_size if isinstance(output_size, (tuple, list)) \
            else (output_size, output_size)
        self.output_size = tuple(size)

    def forward(self, x):
        height, width = (int(s) for s in x.shape[-2:])  # fixed at export
        out_h = self.output_size[0] or height
        out_w = self.output_size[1] or width
        rows = adaptive_pool_matrix(height, out_h).to(x)
        cols = adaptive_pool_matrix(width, out_w).to(x)
        return rows @ x @ cols.t()


class RawPixelModel(nn.Module):
    """A segmentor or pose estimator from BGR 0-255 crops to head logits,
    with the model's data preprocessor folded in."""

    def __init__(self, model):
        super().__init__()
        self.model = _exportable(model)
        pre = model.data_preprocessor
        self.swap = bool(getattr(pre, 'channel_conversion', False) or
                         getattr(pre, '_channel_conversion', False))
        self.normalise = bool(getattr(pre, '_enable_normalize', False))
        if self.normalise:
            self.register_buffer('mean', pre.mean.detach().clone())
            self.register_buffer('std', pre.std.detach().clone())

    def forward(self, image):
        if self.swap:
            image = image[:, [2, 1, 0]]
        if self.normalise:
            image = (image - self.mean) / self.std
        return self.model(image, None, mode='tensor')


def _exportable(model):
    """A copy of ``model`` in eval mode with every ``AdaptiveAvgPool2d``
    replaced by :class:`MatrixAdaptiveAvgPool2d`."""
    model = copy.deepcopy(model).cpu().eval()
    for module in list(model.modules()):
        for child_name, child in list(module.named_children()):
            if isinstance(child, nn.AdaptiveAvgPool2d):
                setattr(module, child_name,
                        MatrixAdaptiveAvgPool2d(child.output_size))
    return model


def model_input_size(model):
    """The square side the backbone was built for (its ``img_size``)."""
    size = getattr(model.backbone, 'img_size', None)
    if size is None:
        raise ValueError(f'{type(model.backbone).__name__} has no img_size; '
                         'pass the export size explicitly')
    return int(size[0] if isinstance(size, (tuple, list)) else size)


def export_onnx(model, out_file, size=None, opset=OPSET):
    """Write ``model`` (built from a parsing or alignment config) as ONNX.

    Args:
        model (nn.Module): An mmseg segmentor or mmpose pose estimator.
        out_file (str): The ``.onnx`` path.
        size (int, optional): Input side; the backbone's ``img_size`` by
            default (224 or 448 for the paper's configs).
        opset (int): ONNX opset.

    Returns:
        tuple[RawPixelModel, int]: the exported module and input side.
    """
    size = size or model_input_size(model)
    wrapped = RawPixelModel(model).eval()
    dummy = torch.zeros(1, 3, size, size)
    with torch.no_grad(), warnings.catch_warnings():
        # shapes are constants of a fixed-size export: that is the intent
        warnings.simplefilter('ignore', torch.jit.TracerWarning)
        torch.onnx.export(
            wrapped, (dummy, ), out_file, dynamo=False, opset_version=opset,
            input_names=['image'], output_names=['logits'],
            dynamic_axes={'image': {0: 'batch'}, 'logits': {0: 'batch'}})
    return wrapped, size


def onnx_parity(wrapped, onnx_file, size, batch=2, seed=0):
    """Max abs difference between PyTorch and onnxruntime logits on the same
    random BGR crops, and the logits' own max abs value (for scale)."""
    import onnxruntime as ort
    rng = np.random.default_rng(seed)
    image = rng.uniform(0, 255, (batch, 3, size, size)).astype(np.float32)
    with torch.no_grad():
        expected = wrapped(torch.from_numpy(image)).numpy()
    session = ort.InferenceSession(onnx_file,
                                   providers=['CPUExecutionProvider'])
    got = session.run(None, {'image': image})[0]
    if got.shape != expected.shape:
        raise AssertionError(f'{onnx_file}: onnxruntime gives {got.shape}, '
                             f'PyTorch {expected.shape}')
    return float(np.abs(got - expected).max()), float(np.abs(expected).max())
