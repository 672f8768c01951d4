"""Reading the authors' released files as data, and the conversion's rules:
nothing in a file runs, unknown layouts are named, the attribute head's
vectors are reordered. (Numbers against the authors' code:
test_facer_parity.py.) Also covers farl_mm.converters.torchscript_data
(the TorchScript archives read as data)."""
import os.path as osp
import pickle
import subprocess
import sys
import zipfile
from typing import Tuple

import pytest
import torch
import torch.nn as nn

import farl_mm  # noqa: F401
from farl_mm.converters.facer import (NotAFacerRelease,
                                      convert_facer_state_dict, read_release,
                                      release_checkpoint)
from farl_mm.converters.torchscript_data import (NotATorchScriptArchive,
                                                 flatten_tensors,
                                                 read_torchscript)

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


class _SetsState(nn.Module):
    """A module whose TorchScript ``__setstate__`` overwrites its buffer."""

    def __init__(self):
        super().__init__()
        self.register_buffer('w', torch.arange(3.0))

    def forward(self, x):
        return x * self.w

    @torch.jit.export
    def __getstate__(self) -> Tuple[torch.Tensor, bool]:
        return (self.w, self.training)

    @torch.jit.export
    def __setstate__(self, state: Tuple[torch.Tensor, bool]) -> None:
        self.w = state[0] * 0 + 7
        self.training = state[1]


def test_torchscript_state_is_read_without_running_setstate(tmp_path):
    path = tmp_path / 'sets_state.pt'
    torch.jit.save(torch.jit.script(_SetsState()), str(path))
    assert torch.jit.load(str(path)).w.tolist() == [7.0, 7.0, 7.0]
    record, extra = read_torchscript(path)
    assert record.torch_class.endswith('_SetsState')
    assert record.state[0].tolist() == [0.0, 1.0, 2.0]  # as saved
    assert extra == {}


def test_torchscript_tensors_match_torch_jit_load(tmp_path):
    net = nn.Sequential(nn.Conv2d(3, 4, 3), nn.BatchNorm2d(4)).eval()
    path = tmp_path / 'net.pt'
    torch.jit.save(torch.jit.trace(net, torch.rand(1, 3, 8, 8)), str(path))
    tensors = flatten_tensors(read_torchscript(path)[0])
    expected = net.state_dict()
    assert set(tensors) == set(expected)
    for key, value in expected.items():
        assert torch.equal(tensors[key], value), key


def test_code_in_the_pickle_is_refused_and_not_run(tmp_path):
    path, marker = tmp_path / 'evil.pt', tmp_path / 'ran'
    torch.jit.save(torch.jit.script(nn.Linear(2, 2)), str(path))

    class Evil:
        def __reduce__(self):
            import os
            return os.system, (f'touch {marker}', )

    with zipfile.ZipFile(path) as src:
        entries = {n: src.read(n) for n in src.namelist()}
    root = next(n for n in entries if n.endswith('/data.pkl'))
    entries[root] = pickle.dumps(Evil(), protocol=2)
    with zipfile.ZipFile(path, 'w') as dst:
        for name, data in entries.items():
            dst.writestr(name, data)
    with pytest.raises(NotATorchScriptArchive, match='refused global'):
        read_torchscript(path)
    assert not marker.exists()


def test_unknown_layouts_are_named(tmp_path):
    saved = tmp_path / 'other.pth'
    torch.save({'encoder.weight': torch.zeros(2)}, saved)
    with pytest.raises(NotAFacerRelease,
                       match='torch.save state dict.*encoder.weight'):
        read_release(saved)
    scripted = tmp_path / 'linear.pt'
    torch.jit.save(torch.jit.script(nn.Linear(2, 2)), str(scripted))
    with pytest.raises(NotAFacerRelease,
                       match='TorchScript archive.*holds bias, weight'):
        read_release(scripted)
    text = tmp_path / 'notes.txt'
    text.write_text('not a model')
    with pytest.raises(NotAFacerRelease, match='notes.txt: neither'):
        read_release(text)


def test_a_release_of_another_task_is_refused(tmp_path):
    from mmengine.config import Config
    state = {'backbone.conv1.weight': torch.zeros(1),
             'head.final_fc.weight': torch.zeros(1)}
    path = tmp_path / 'face_attribute.farl.celeba.pt'
    torch.save(state, path)
    cfg = Config.fromfile(osp.join(
        REPO, 'configs/farl/released/facer_lapa_448.py'))
    with pytest.raises(NotAFacerRelease,
                       match='released attributes model, but --model '
                       'lapa/448 is parsing'):
        release_checkpoint(str(path), 'lapa/448', cfg)


def _visual(width=8, prefix='backbone.'):
    block = f'{prefix}transformer.resblocks.0.'
    return {
        f'{prefix}conv1.weight': torch.randn(width, 3, 16, 16),
        f'{prefix}class_embedding': torch.randn(width),
        f'{prefix}positional_embedding': torch.randn(5, width),
        f'{block}attn.in_proj_weight': torch.randn(3 * width, width),
    }


def test_attribute_head_vectors_are_reordered():
    """theirs per layer: (mean, max, class token); farl_mm: (class token,
    mean, max), for the fusion weights and the layer norms alike."""
    tensors = dict(_visual(), **{
        'head.weights': torch.tensor([10.0, 11.0, 12.0, 20.0, 21.0,
                                      22.0]).view(1, 6, 1),
        'head.final_fc.weight': torch.randn(40, 8),
        **{f'head.norm_{i}.weight': torch.full((8, ), float(i))
           for i in range(6)}})
    before = {k: v.clone() for k, v in tensors.items()}
    out, report = convert_facer_state_dict(tensors, 'attributes', 16)
    assert out['head.pool.fusion_logits'].tolist() == [12.0, 10.0, 11.0,
                                                       22.0, 20.0, 21.0]
    norms = [out[f'head.pool.norms.{j}.weight'][0].item() for j in range(6)]
    assert norms == [2.0, 0.0, 1.0, 5.0, 3.0, 4.0]
    assert out['backbone.proj'].shape == (8, 16)  # filled, unused
    assert torch.equal(out['backbone.ln1.weight'], torch.ones(8))
    assert 'head.fc.weight' in out
    assert all(torch.equal(tensors[k], before[k]) for k in before)
    assert any('filled backbone.proj' in d for d in report.dropped)


def test_a_foreign_normalisation_is_refused():
    tensors = dict(_visual(prefix='backbone.visual.'), **{
        'head.head.conv_seg.weight': torch.zeros(1),
        'backbone.image_mean': torch.tensor([0.5, 0.5, 0.5]).view(1, 3, 1,
                                                                  1)})
    with pytest.raises(NotAFacerRelease, match="image_mean.*not CLIP's"):
        convert_facer_state_dict(tensors, 'parsing')


def test_cli_names_a_bad_file(tmp_path):
    bad = tmp_path / 'face_parsing.pt'
    bad.write_bytes(b'not a model')
    out = subprocess.run(
        [sys.executable, osp.join(REPO, 'tools/model_converters/facer2mm.py'),
         str(bad), str(tmp_path / 'out.pth'), '--model', 'lapa/448'],
        capture_output=True, text=True, cwd=REPO)
    assert out.returncode != 0
    assert 'face_parsing.pt' in out.stderr
    assert not (tmp_path / 'out.pth').exists()
