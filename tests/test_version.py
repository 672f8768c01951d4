"""farl_mm.version: one PEP 440 version, the one setup.py installs."""
import os.path as osp
import subprocess
import sys

from packaging.version import Version

import farl_mm
from farl_mm.version import __version__

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))


def test_version_is_pep440_in_normal_form():
    # Normal form: pip, setuptools and the package all spell it the same.
    assert str(Version(__version__)) == __version__
    assert farl_mm.__version__ == __version__


def test_setup_py_reads_the_same_version():
    # setup.py reads version.py with a regex: a reformatted line there
    # would break installing or publish another version.
    out = subprocess.run([sys.executable, 'setup.py', '--version'], cwd=REPO,
                         capture_output=True, text=True, check=True).stdout
    assert out.strip().splitlines()[-1] == __version__
