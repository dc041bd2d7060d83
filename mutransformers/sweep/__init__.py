"""Transfer sweeps (TP V Fig. 1 and 4): loss against each muP hyperparameter per width, muP vs standard
parametrization."""
from .grid import PROTOCOLS, Sweep, run_local
from .report import analyze, check_one_sweep, plot_sweep
from .results import load
from .train import HPARAMS, RunConfig, train_run
