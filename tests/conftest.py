import sys
from pathlib import Path

import pytest
import torch

sys.path.insert(0, str(Path(__file__).parent))


@pytest.fixture(autouse=True)
def _reseed():
    torch.manual_seed(0)
    yield


def pytest_configure(config):
    config.addinivalue_line("markers", "slow: over ~10 s on 2 CPU cores (torchrun, torch.compile); "
                                       "CI runs them, `-m 'not slow'` skips them locally")
