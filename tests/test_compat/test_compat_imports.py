"""``farl_mm.compat`` (the package): its patches import no farl_mm model,
converter, API or dataset code, so loading a checkpoint never walks back
from ``compat`` into the code that calls it (issue 16: the cycle apis ->
converters -> compat -> converters -> models). Static: the farl_mm modules
reachable from ``farl_mm/compat`` by import statements, package
``__init__`` files included."""
import ast
import os.path as osp

import farl_mm

PACKAGE = osp.dirname(farl_mm.__file__)
FORBIDDEN = ('farl_mm.apis', 'farl_mm.converters', 'farl_mm.models',
             'farl_mm.datasets', 'farl_mm.synthetic')


def _source(module):
    """The file of a farl_mm module name (package ``__init__`` for one)."""
    path = osp.join(osp.dirname(PACKAGE), *module.split('.'))
    return (osp.join(path, '__init__.py') if osp.isdir(path)
            else path + '.py')


def _imports(module):
    """farl_mm modules ``module`` imports, and the packages above them."""
    path = _source(module)
    tree = ast.parse(open(path, encoding='utf-8').read())
    package = module if path.endswith('__init__.py') else module.rpartition(
        '.')[0]
    found = set()
    for node in ast.walk(tree):
        names = []
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ''
            if node.level:
                parts = package.split('.')
                parts = parts[:len(parts) - node.level + 1]
                base = '.'.join(parts + ([base] if base else []))
            names = [base] + [f'{base}.{a.name}' for a in node.names]
        for name in names:
            while name.startswith('farl_mm.'):
                if osp.exists(_source(name)):
                    found.add(name)
                name = name.rpartition('.')[0]
    return found


def test_compat_reaches_no_model_converter_or_api_code():
    seen, todo = set(), ['farl_mm.compat']
    todo += [f'farl_mm.compat.{n}' for n in (
        'mmcv_ext', 'checkpoint', 'amp', 'dist')]
    while todo:
        module = todo.pop()
        if module not in seen:
            seen.add(module)
            todo.extend(_imports(module))
    assert 'farl_mm.utils.checkpoint_io' in seen  # the walk does follow
    assert not [m for m in seen if m.startswith(FORBIDDEN)], sorted(seen)
