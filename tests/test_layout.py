"""Tests mirror the package (issue 16, item 7).

Every module ``farl_mm/a/b/c.py`` has ``tests/test_a/test_b/test_c.py``, or
some test file's module docstring names it by its dotted path
``farl_mm.a.b.c`` (used where the mirrored name would clash: test basenames
must be unique because tests/ has no ``__init__.py`` files). Read from the
files alone (``ast``), nothing is imported.
"""
import ast
import os.path as osp
import re
from collections import defaultdict
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
PACKAGE = REPO / 'farl_mm'
TESTS = REPO / 'tests'

# Paths under tests/ that are not mirrors of the package, each with why.
NOT_MIRRORS = {
    'test_layout.py': 'this file: checks the layout, tests no module',
    'conftest.py': 'shared fixtures, not a test file',
    'helpers': 'shared test helpers, not test files',
    'test_tools': 'tests of the scripts in tools/, not of farl_mm',
    'test_configs': 'tests of the configs in configs/, not of farl_mm',
}

DOTTED = re.compile(r'\bfarl_mm(?:\.\w+)+')


def package_modules():
    """Dotted path of every module of farl_mm, ``__init__.py`` aside."""
    return sorted(
        '.'.join(path.relative_to(REPO).with_suffix('').parts)
        for path in PACKAGE.rglob('*.py') if path.name != '__init__.py')


def all_test_files():
    """Every ``test_*.py`` under tests/ (tests of tools and configs too:
    their docstrings may say which module they cover)."""
    return sorted(path for path in TESTS.rglob('test_*.py')
                  if '__pycache__' not in path.parts
                  and path.relative_to(TESTS).parts[0] != 'helpers')


def mirror_test_files():
    """The test files that mirror the package: NOT_MIRRORS aside."""
    return [path for path in all_test_files()
            if path.relative_to(TESTS).parts[0] not in NOT_MIRRORS]


def package_names():
    """Dotted path of every package of farl_mm (``farl_mm.compat``...)."""
    return sorted(
        '.'.join(path.parent.relative_to(REPO).parts)
        for path in PACKAGE.rglob('__init__.py'))


def mirror_path(module):
    """``farl_mm.a.b.c`` -> ``tests/test_a/test_b/test_c.py``."""
    parts = ['test_' + part for part in module.split('.')[1:]]
    return Path('tests', *parts).with_suffix('.py')


def docstring_names(path):
    """The ``farl_mm.*`` dotted paths a file's module docstring names."""
    doc = ast.get_docstring(ast.parse(path.read_text(), str(path))) or ''
    return set(DOTTED.findall(doc))


def test_every_module_has_a_mirror_or_a_docstring_line():
    named = set().union(
        *(docstring_names(path) for path in all_test_files()))
    uncovered = [
        f'{module}: add {mirror_path(module)} or name "{module}" in the '
        'module docstring of the test file that covers it'
        for module in package_modules()
        if not (REPO / mirror_path(module)).is_file() and module not in named
    ]
    assert not uncovered, (
        f'{len(uncovered)} module(s) without tests by name:\n' +
        '\n'.join(uncovered))


def test_test_basenames_are_unique():
    # Without __init__.py files pytest imports each test file as a
    # top-level module named after its basename: two equal basenames make
    # the second one fail to collect.
    where = defaultdict(list)
    for path in TESTS.rglob('*.py'):
        if '__pycache__' not in path.parts:
            where[path.name].append(str(path.relative_to(REPO)))
    clashes = [
        f'{name}: {", ".join(sorted(paths))}'
        for name, paths in sorted(where.items())
        if len(paths) > 1 and name != 'conftest.py'
    ]
    assert not clashes, (
        'test file basenames must be unique across tests/ (no __init__.py '
        'files); rename one of each, and name its module in the docstring:\n'
        + '\n'.join(clashes))


def test_no_test_folder_or_file_outlives_its_module():
    """A mirrored test file tests a module that exists.

    ``tests/test_a/test_b/test_c.py`` is in order when ``farl_mm/a/b/c.py``
    exists, when it is a topic file of one (``test_c_<topic>.py``), or when
    its module docstring names an existing module or package of farl_mm.
    """
    modules = set(package_modules()) | set(package_names())
    orphans = []
    for path in mirror_test_files():
        rel = path.relative_to(TESTS)
        if not all(p.startswith('test_') for p in rel.parts[:-1]):
            orphans.append(f'tests/{rel}: folder names start with test_')
            continue
        folder = PACKAGE.joinpath(*(p[len('test_'):] for p in rel.parts[:-1]))
        if not folder.is_dir():
            orphans.append(
                f'tests/{rel}: no package folder '
                f'{osp.relpath(folder, REPO)} to mirror; move the file or '
                'list its folder in NOT_MIRRORS with a reason')
            continue
        stem = path.stem[len('test_'):]
        mirrored = any(
            stem == module.stem or stem.startswith(module.stem + '_')
            for module in folder.glob('*.py') if module.name != '__init__.py')
        if not mirrored and not docstring_names(path) & modules:
            orphans.append(
                f'tests/{rel}: no module {osp.relpath(folder, REPO)}/'
                f'{stem}.py (nor test_<module>_<topic>.py of one) and its '
                'docstring names no existing farl_mm module or package')
    assert not orphans, (
        'test files that mirror no existing module:\n' + '\n'.join(orphans))
