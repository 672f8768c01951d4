"""ONNX export of the parsing and alignment models: onnxruntime gives
PyTorch's logits (tiny configs, random weights)."""
import os.path as osp
import re
import runpy
import sys
from unittest import mock

import numpy as np
import pytest
import torch
import torch.nn as nn

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
SCRIPT = osp.join(REPO, 'tools', 'deployment', 'pytorch2onnx.py')


@pytest.mark.parametrize('in_size,bins', [(7, 1), (7, 2), (7, 3), (7, 6),
                                          (4, 3), (14, 6)])
def test_matrix_pooling_is_adaptive_pooling(in_size, bins):
    from farl_mm.apis.onnx_export import MatrixAdaptiveAvgPool2d
    x = torch.randn(2, 3, in_size, in_size + 1)
    np.testing.assert_allclose(MatrixAdaptiveAvgPool2d(bins)(x),
                               nn.AdaptiveAvgPool2d(bins)(x), atol=1e-6)


def test_parsing_export_matches_pytorch(tmp_path):
    """The graph takes the warped crop as BGR 0-255 and equals the model
    fed through its own data preprocessor; onnxruntime agrees."""
    import onnxruntime as ort

    from farl_mm.apis import init_face_parser
    from farl_mm.apis.onnx_export import export_onnx, onnx_parity
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


def test_alignment_script_prints_parity(tmp_path, capsys):
    out = tmp_path / 'alignment.onnx'
    config = osp.join(REPO, 'configs', 'farl',
                      'aflw19_upernet_tiny_synthetic.py')
    torch.manual_seed(0)
    with mock.patch.object(sys, 'argv', [SCRIPT, config, 'none', str(out),
                                         '--verify']):
        runpy.run_path(SCRIPT, run_name='__main__')
    printed = capsys.readouterr().out
    assert 'input image (N, 3, 128, 128) BGR 0-255, opset 17' in printed
    diff = float(re.search(r'max abs diff (\S+)', printed).group(1))
    assert diff < 1e-3
    import onnx
    graph = onnx.load(str(out)).graph

    def dims(value):
        return [d.dim_param or d.dim_value
                for d in value.type.tensor_type.shape.dim]
    assert dims(graph.input[0]) == ['batch', 3, 128, 128]
    assert dims(graph.output[0])[:2] == ['batch', 19]  # a map per landmark


def test_other_models_are_refused(tmp_path):
    config = osp.join(REPO, 'configs', 'farl',
                      'celeba_attributes_tiny_synthetic.py')
    argv = [SCRIPT, config, 'none', str(tmp_path / 'x.onnx')]
    with mock.patch.object(sys, 'argv', argv), \
            pytest.raises(ValueError, match='only parsing and alignment'):
        runpy.run_path(SCRIPT, run_name='__main__')
