"""``farl_mm.compat.amp``: ``--amp`` trains in bfloat16 on a CPU-only machine.

mmengine's ``AmpOptimWrapper`` asserts an accelerator although its autocast
supports CPU bfloat16.
"""
import math
import os.path as osp
import subprocess
import sys

import pytest
import torch
from mmengine.optim import AmpOptimWrapper
from mmengine.runner import CheckpointLoader
from torch import nn

import farl_mm  # noqa: F401  (applies the patch)

sys.path.insert(0, osp.join(osp.dirname(__file__), '..', 'helpers'))
import tiny_lapa  # noqa: E402

ON_CPU_ONLY = not torch.cuda.is_available()

WITHOUT_FARL_MM = """
import torch
from mmengine.optim import AmpOptimWrapper
AmpOptimWrapper(optimizer=torch.optim.SGD(torch.nn.Linear(2, 2).parameters(),
                                          lr=0.1))
"""


def _wrapper(model, **kwargs):
    return AmpOptimWrapper(
        optimizer=torch.optim.SGD(model.parameters(), lr=0.1), **kwargs)


@pytest.mark.skipif(not ON_CPU_ONLY, reason='the assert only fires on CPU')
def test_stock_wrapper_refuses_cpu():
    proc = subprocess.run([sys.executable, '-c', WITHOUT_FARL_MM],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode != 0
    assert 'AssertionError' in proc.stderr
    assert 'only available training on gpu' in proc.stderr


@pytest.mark.skipif(not ON_CPU_ONLY, reason='CPU behaviour')
def test_step_runs_under_cpu_bf16_autocast():
    model = nn.Linear(4, 4)
    wrapper = _wrapper(model, loss_scale='dynamic')
    assert wrapper.cast_dtype == torch.bfloat16
    before = model.weight.detach().clone()
    with wrapper.optim_context(model):
        out = model(torch.rand(2, 4))
        assert out.dtype == torch.bfloat16
        loss = out.float().pow(2).mean()
    wrapper.update_params(loss)
    assert model.weight.dtype == torch.float32  # master weights stay fp32
    assert not torch.equal(model.weight, before)


@pytest.mark.skipif(not ON_CPU_ONLY, reason='CPU behaviour')
@pytest.mark.parametrize('dtype', ['float16', torch.float16])
def test_fp16_on_cpu_is_refused_clearly(dtype):
    with pytest.raises(ValueError, match='not supported on CPU.*bfloat16'):
        _wrapper(nn.Linear(2, 2), dtype=dtype)


def test_train_tool_amp(tmp_path):
    data = tiny_lapa.make_lapa(tmp_path / 'data')
    work_dir = tmp_path / 'work'
    # 2 iterations: CPUs without native bf16 run them ~10x slower than fp32.
    tiny_lapa.tool_inline('train.py', tiny_lapa.CONFIG, '--amp',
                          '--work-dir', work_dir,
                          *tiny_lapa.cfg_options(data, max_iters=2))
    losses = [s['loss'] for s in tiny_lapa.scalars(work_dir) if 'loss' in s]
    assert len(losses) == 2 and all(math.isfinite(x) for x in losses)
    ckpt = CheckpointLoader.load_checkpoint(str(work_dir / 'iter_2.pth'))
    assert 'loss_scaler' in ckpt['optimizer']  # AmpOptimWrapper's state
