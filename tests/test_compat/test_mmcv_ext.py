"""``farl_mm.compat.mmcv_ext``: mmseg/mmpose import with mmcv-lite.

mmcv-lite ships no compiled ``mmcv._ext``, yet ``mmseg.models`` and
``mmpose.models`` import ``mmcv.ops`` (which loads it) at module level.
"""
import importlib.machinery
import importlib.util
import subprocess
import sys
import types

import pytest
import torch

import farl_mm  # noqa: F401  (applies the patch in this process)
from farl_mm.compat import mmcv_ext


def _real_ext_on_disk():
    """Whether mmcv's folder holds a compiled ``_ext``.

    Asks the path finder directly: ``importlib.util.find_spec`` would answer
    from ``sys.modules``, where this process already holds the stub.
    """
    mmcv = importlib.util.find_spec('mmcv')
    return mmcv is not None and importlib.machinery.PathFinder.find_spec(
        '_ext', mmcv.submodule_search_locations) is not None


MMCV_LITE = not _real_ext_on_disk()

WITHOUT_FARL_MM = """
import importlib.util
assert importlib.util.find_spec('mmcv._ext') is None, 'full mmcv installed'
import mmseg.models
"""


@pytest.mark.skipif(not MMCV_LITE, reason='full mmcv: nothing to fix')
def test_mmseg_models_fail_to_import_without_the_patch():
    proc = subprocess.run([sys.executable, '-c', WITHOUT_FARL_MM],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode != 0
    assert "ModuleNotFoundError: No module named 'mmcv._ext'" in proc.stderr


def test_openmmlab_model_packages_import_after_farl_mm():
    import mmpose.models
    import mmpretrain.models
    import mmseg.models
    assert mmseg.models.EncoderDecoder
    assert mmpose.models.TopdownPoseEstimator
    assert mmpretrain.models.ImageClassifier


@pytest.mark.skipif(not MMCV_LITE, reason='full mmcv: no stub installed')
def test_stubbed_op_raises_a_clear_error_when_called():
    from mmcv.ops import nms
    assert getattr(sys.modules['mmcv._ext'], 'farl_mm_stub', False)
    with pytest.raises(RuntimeError, match='mmcv op `nms` needs the '
                       'compiled mmcv extension.*mmcv-lite'):
        nms(torch.rand(3, 4), torch.rand(3), 0.5)


@pytest.mark.skipif(not MMCV_LITE, reason='full mmcv: nothing to fix')
def test_needed_without_the_real_extension(monkeypatch):
    monkeypatch.delitem(sys.modules, mmcv_ext.NAME)
    assert mmcv_ext.needed()


def test_not_needed_when_a_real_extension_is_on_mmcv_path(
        monkeypatch, tmp_path):
    """Full mmcv: an importable ``mmcv/_ext`` module (here a .py file)."""
    import mmcv
    (tmp_path / '_ext.py').write_text('')
    monkeypatch.setattr(mmcv, '__path__', [*mmcv.__path__, str(tmp_path)])
    monkeypatch.delitem(sys.modules, mmcv_ext.NAME, raising=False)
    assert not mmcv_ext.needed()


def test_not_needed_when_the_real_extension_is_imported(monkeypatch):
    monkeypatch.setitem(sys.modules, mmcv_ext.NAME,
                        types.ModuleType(mmcv_ext.NAME))
    assert not mmcv_ext.needed()
