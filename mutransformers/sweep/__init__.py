"""Transfer sweeps (TP V Fig. 1 and 4): loss against each muP hyperparameter per width, muP vs standard
parametrization."""
from .grid import PROTOCOLS, Sweep, run_local
from .report import AXES, analyze, check_one_sweep, plot_sweep, scale_axis, scale_label
from .results import load
from .train import HPARAMS, PARAMS, RunConfig, format_config_set, train_run
