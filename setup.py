"""farl_mm: FaRL facial representations as an OpenMMLab plugin."""
import os.path as osp
import re

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


with open(osp.join(HERE, 'README.md'), encoding='utf-8') as f:
    long_description = f.read()

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
    python_requires='>=3.9',
    # mmpose/mmdet (requirements/mminstall.txt) are installed with --no-deps
    # by the Makefile: mmpose declares chumpy, which does not build.
    install_requires=read_requirements('runtime'),
    extras_require={
        'tests': tests,
        'optional': optional,
        'all': tests + optional,
    },
    license='Apache-2.0',
)
