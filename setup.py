"""farl_mm: FaRL facial representations as an OpenMMLab plugin."""
import os
import os.path as osp
import re
import shutil
import sys

from setuptools import find_packages, setup

HERE = osp.dirname(osp.abspath(__file__))


def read_requirements(name):
    """Requirement lines of ``requirements/<name>.txt`` (comments dropped)."""
    with open(osp.join(HERE, 'requirements', f'{name}.txt')) as f:
        lines = (re.sub(r'\s+#.*', '', line).strip() for line in f)
        return [line for line in lines if line and not line.startswith('#')]


def read_version():
    with open(osp.join(HERE, 'farl_mm', 'version.py')) as f:
        return re.search(r"__version__ = '([^']+)'", f.read()).group(1)


# What `mim train/test/search farl_mm` looks for in the installed package.
MIM_FILES = ('configs', 'tools', 'model-index.yml')


def add_mim_extension():
    """Put configs, tools and model-index.yml into ``farl_mm/.mim``.

    mim finds them there: a wheel (``pip install .``, bdist_wheel, sdist)
    gets copies; an editable install (``pip install -e .``: setuptools'
    editable_wheel, or the old ``setup.py develop``) gets relative symlinks,
    so edits to the repository's configs and tools stay visible.
    """
    if {'develop', 'editable_wheel'} & set(sys.argv):
        mode = 'symlink'
    elif {'sdist', 'bdist_wheel', 'build', 'build_py'} & set(sys.argv):
        mode = 'copy'
    else:
        return
    mim_dir = osp.join(HERE, 'farl_mm', '.mim')
    os.makedirs(mim_dir, exist_ok=True)
    for name in MIM_FILES:
        src, dst = osp.join(HERE, name), osp.join(mim_dir, name)
        if osp.islink(dst) or osp.isfile(dst):
            os.remove(dst)
        elif osp.isdir(dst):
            shutil.rmtree(dst)
        if mode == 'symlink':
            os.symlink(osp.relpath(src, mim_dir), dst)
        elif osp.isdir(src):
            shutil.copytree(src, dst, ignore=shutil.ignore_patterns(
                '__pycache__', '*.pyc'))
        else:
            shutil.copyfile(src, dst)


with open(osp.join(HERE, 'README.md'), encoding='utf-8') as f:
    long_description = f.read()

add_mim_extension()
tests = read_requirements('tests')
optional = read_requirements('optional')
setup(
    name='farl_mm',
    version=read_version(),
    description='FaRL facial representation learning for OpenMMLab: '
    'pretraining, face parsing, alignment and attributes',
    long_description=long_description,
    long_description_content_type='text/markdown',
    packages=find_packages(exclude=('configs', 'tools', 'tests', 'demo')),
    include_package_data=True,  # farl_mm/.mim (MANIFEST.in)
    python_requires='>=3.9',
    # mmpose/mmdet (requirements/mminstall.txt) are installed with --no-deps
    # by the Makefile: mmpose declares chumpy, which does not build.
    install_requires=read_requirements('runtime'),
    extras_require={
        'tests': tests,
        'optional': optional,
        'detector': [r for r in optional if r.startswith('facenet-pytorch')],
        'all': tests + optional,
    },
    license='Apache-2.0',
)
