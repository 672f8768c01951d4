"""tools/deployment/pytorch2onnx.py: the alignment export prints its
parity, other models are refused (the export itself:
tests/test_deployment/test_onnx.py)."""
import os.path as osp
import re
import runpy
import sys
from unittest import mock

import pytest
import torch

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
SCRIPT = osp.join(REPO, 'tools', 'deployment', 'pytorch2onnx.py')


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
