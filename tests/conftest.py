import os
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
    if os.environ.get("PYTEST_XDIST_WORKER"):  # `-n auto`: one worker per core, so one torch thread per worker,
        torch.set_num_threads(1)                # and in the processes tests start (kernels, torchrun, sweep workers):
        os.environ["OMP_NUM_THREADS"] = "1"     # OpenMP threads spin, and two per core slow a run several times over
    config.addinivalue_line("markers", "slow: over ~10 s on 2 CPU cores (torchrun, torch.compile); "
                                       "CI runs them, `-m 'not slow'` skips them locally")
