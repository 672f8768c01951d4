"""farl_mm.deployment.onnx: the exported graph and onnxruntime give
PyTorch's logits (tiny configs, random weights); the CLI on top of it:
tests/test_tools/test_pytorch2onnx.py."""
import os.path as osp

import numpy as np
import pytest
import torch
import torch.nn as nn

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


@pytest.mark.parametrize('in_size,bins', [(7, 1), (7, 2), (7, 3), (7, 6),
                                          (4, 3), (14, 6)])
def test_matrix_pooling_is_adaptive_pooling(in_size, bins):
    from farl_mm.deployment.onnx import MatrixAdaptiveAvgPool2d
    x = torch.randn(2, 3, in_size, in_size + 1)
    np.testing.assert_allclose(MatrixAdaptiveAvgPool2d(bins)(x),
                               nn.AdaptiveAvgPool2d(bins)(x), atol=1e-6)


def test_parsing_export_matches_pytorch(tmp_path):
    """The graph takes the warped crop as BGR 0-255 and equals the model
    fed through its own data preprocessor; onnxruntime agrees."""
    import onnxruntime as ort

    from farl_mm.apis import init_face_parser
    from farl_mm.deployment.onnx import export_onnx, onnx_parity
    torch.manual_seed(0)
    model = init_face_parser(
        osp.join(REPO, 'configs', 'farl', 'lapa_upernet_tiny_synthetic.py'))
    out = str(tmp_path / 'parsing.onnx')
    wrapped, size = export_onnx(model, out)
    assert size == 128
    crop = np.random.default_rng(1).integers(0, 256, (size, size, 3),
                                             dtype=np.uint8)  # BGR HWC
    chw = torch.from_numpy(crop).permute(2, 0, 1)
    with torch.no_grad():
        inputs = model.data_preprocessor(dict(inputs=[chw]))['inputs']
        expected = model(inputs, mode='tensor').numpy()
        ours = wrapped(chw[None].float()).numpy()
    assert expected.shape == (1, 11, 32, 32)
    np.testing.assert_allclose(ours, expected, atol=1e-4)
    session = ort.InferenceSession(out, providers=['CPUExecutionProvider'])
    got = session.run(None, {'image': chw[None].float().numpy()})[0]
    assert np.abs(got - expected).max() < 1e-3
    diff, scale = onnx_parity(wrapped, out, size)
    assert diff < 1e-3 and scale > 1  # the logits are not all ~0
