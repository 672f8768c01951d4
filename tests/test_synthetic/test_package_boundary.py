"""farl_mm.synthetic (its __init__.py): the package boundary. Synthetic
data is for tools and tests: importing farl_mm or any real loader must not
import it, and importing it must register nothing a config could name."""
import json
import subprocess
import sys

import pytest

# One fresh interpreter (this pytest process has imported everything):
# import farl_mm, then every other module of the package, then synthetic.
PROBE = """
import importlib, json, pkgutil, sys
import mmengine.registry as root
import farl_mm

def synthetic():
    return sorted(m for m in sys.modules if m.startswith('farl_mm.synthetic'))

def real_modules(package):
    # walk_packages would import farl_mm.synthetic to look inside it
    for info in pkgutil.iter_modules(package.__path__, package.__name__ + '.'):
        if info.name in SKIP:
            continue
        module = importlib.import_module(info.name)
        yield info.name
        if info.ispkg:
            yield from real_modules(module)

def registered():
    seen, todo = set(), [getattr(root, n) for n in dir(root)
                         if isinstance(getattr(root, n), root.Registry)]
    while todo:
        reg = todo.pop()
        seen |= {(reg.scope, reg.name, k) for k in reg.module_dict}
        todo += list(reg.children.values())
    return seen

# Tool code that happens to live in the package (the demo report of
# tools/misc/run_demo.py counts the attributes the synthetic faces draw).
SKIP = {'farl_mm.synthetic', 'farl_mm.utils.demo_report'}
out = dict(after_import=synthetic(),
           loaders_loaded='farl_mm.datasets.lapa' in sys.modules)
out['num_real'] = len(list(real_modules(farl_mm)))
out['after_all_real'] = synthetic()
before = registered()
import farl_mm.synthetic.writers
out['num_synthetic'] = len(synthetic())
out['registered'] = sorted(map(list, registered() - before))
print(json.dumps(out))
"""


@pytest.fixture(scope='module')
def probe():
    proc = subprocess.run([sys.executable, '-c', PROBE], capture_output=True,
                          text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(proc.stdout.strip().splitlines()[-1])


def test_import_farl_mm_does_not_import_synthetic(probe):
    assert probe['loaders_loaded']  # the real loaders did load
    assert probe['after_import'] == []


def test_no_real_module_imports_synthetic(probe):
    assert probe['num_real'] > 50  # datasets, apis, models, ... all imported
    assert probe['after_all_real'] == []


def test_synthetic_registers_nothing(probe):
    """So no config can name a synthetic type (the tiny configs read
    synthetic files with the real loaders)."""
    assert probe['num_synthetic'] > 15  # generator and writers did load
    assert probe['registered'] == []
