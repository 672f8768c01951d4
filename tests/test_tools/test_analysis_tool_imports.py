"""The analysis tools import ``farl_mm`` before any OpenMMLab module, so
its mmcv-lite stand-in is in place however a tool starts (mmseg's own
get_flops / print_config stop on ``No module named 'mmcv._ext'``)."""
import ast
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
TOOLS = ['tools/analysis_tools/get_flops.py',
         'tools/analysis_tools/analyze_logs.py',
         'tools/analysis_tools/confusion_matrix.py',
         'tools/misc/print_config.py', 'tools/misc/browse_dataset.py']
OPENMMLAB = ('mmcv', 'mmengine', 'mmseg', 'mmpose', 'mmpretrain')


def top_level_modules(path):
    """Module names of the file's top-level imports, in order."""
    for node in ast.parse(path.read_text()).body:
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            yield node.module


@pytest.mark.parametrize('tool', TOOLS)
def test_farl_mm_comes_before_openmmlab(tool):
    modules = [m.split('.')[0] for m in top_level_modules(REPO / tool)]
    first = next((i for i, m in enumerate(modules) if m in OPENMMLAB),
                 len(modules))
    if 'farl_mm' in modules:
        assert modules.index('farl_mm') < first, modules
    else:  # analyze_logs reads json only
        assert first == len(modules), modules
