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
    for tier, what in TIERS.items():
        config.addinivalue_line("markers", f"{tier}: {what}")


# The three tiers (docs/development.md). Every test is in exactly one, by its module, or by its name for the
# claims that live beside the code they exercise; `-m unit` is the quick loop, the README's command runs all three.
TIERS = {
    "unit": "library behaviour: models, init, shapes, loading, optimizers, errors, conversion (the quick loop)",
    "integration": "what trains or starts processes: sweeps, tune/train, coordinate checks, check-arch, "
                   "distributed, notebooks, the docs build",
    "claims": "the experiments' committed results against the numbers the documentation states",
}
INTEGRATION_MODULES = {"test_sweep", "test_tune", "test_distributed", "test_notebooks", "test_docs", "test_coord_check",
                       "test_generic", "test_bert_block_ablation", "test_gpt2_input_mult_ablation",
                       "test_llama_attention_ablation", "test_optimizer_ablation", "test_depth"}
CLAIMS_MODULES = {"test_transfer_at_a_glance", "test_tune_experiment", "test_experiments", "test_claims"}


def tier_of(module: str, name: str) -> str:
    if module in CLAIMS_MODULES or "committed" in name or "readme" in name.lower():
        return "claims"
    return "integration" if module in INTEGRATION_MODULES else "unit"


def pytest_collection_modifyitems(items):
    for item in items:
        if not any(item.get_closest_marker(tier) for tier in TIERS):  # a tier marked by hand wins
            item.add_marker(tier_of(item.module.__name__.rpartition(".")[2], item.name))
