import os.path as osp
import sys

import pytest

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))


@pytest.fixture(scope='session')
def repo_root():
    return REPO


def pytest_configure(config):
    # Tools are scripts, not a package: let tests import them by path.
    sys.path.insert(0, REPO)
