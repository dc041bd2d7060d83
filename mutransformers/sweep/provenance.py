"""Where a result came from: the code's git commit, the package versions, the device.

Every new results row and ``hparams.json`` carry it, so a number in the docs can be traced to the code
and the machine that measured it. Computed once per process (workers fork after the first run's call).
"""
import platform
import subprocess
from functools import lru_cache
from importlib import import_module
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import torch

PACKAGES = ("mutransformers", "torch", "transformers", "mup", "tokenizers")


def _git_commit() -> str | None:
    """HEAD of the repository holding this package (an editable install or a clone), "+dirty" when the
    working tree has changes; None outside a repository."""
    here = Path(__file__).resolve().parent
    try:
        sha = subprocess.run(["git", "-C", str(here), "rev-parse", "HEAD"], capture_output=True, text=True,
                             timeout=10, check=True).stdout.strip()
        dirty = subprocess.run(["git", "-C", str(here), "status", "--porcelain", "--untracked-files=no"],
                               capture_output=True, text=True, timeout=10, check=True).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return None
    return sha + ("+dirty" if dirty else "")


def _version(package: str) -> str | None:
    """The module's own ``__version__`` where it has one (torch's names its build: 2.14.1+cu130), else the
    installed distribution's."""
    try:
        return getattr(import_module(package), "__version__", None) or version(package)
    except (ImportError, PackageNotFoundError):
        return None


@lru_cache(maxsize=None)
def _static() -> dict:
    return {"git_commit": _git_commit(), "versions": {p: _version(p) for p in PACKAGES},
            "python": platform.python_version()}


def provenance(device: torch.device | str = "cpu") -> dict:
    """{"git_commit", "versions", "python", "device"}; the device named as a person would: "cpu (2 threads)",
    "cuda: NVIDIA H100 80GB HBM3"."""
    device = torch.device(device)
    if device.type == "cuda":
        name = f"cuda: {torch.cuda.get_device_name(device)}"
    else:
        name = f"{device.type} ({torch.get_num_threads()} threads, {platform.machine()})"
    return {**_static(), "device_name": name}
