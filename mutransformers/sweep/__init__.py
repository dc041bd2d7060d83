"""LR-transfer sweeps (TP V Fig. 1): loss against log2 LR per width, muP vs standard parametrization."""
from .grid import Sweep, run_local
from .report import analyze, plot_sweep
from .results import load
from .train import RunConfig, train_run
