"""The same sweep across machines, on Optuna with a shared database (``--storage URL``).

Why Optuna rather than Ray: a sweep here is a fixed grid of independent CPU-bound runs. Optuna's
``GridSampler`` over a shared RDB (PostgreSQL/MySQL across machines, SQLite on one) hands each
worker an unvisited grid point; a worker is just ``mutransformers sweep --storage URL`` started on any
machine that reaches the database — no cluster to stand up, no head node, one small pure-Python
dependency instead of Ray's runtime. Every worker also appends to its results file, which stays
the source of truth for the report (and makes a re-run skip finished points, as locally).
"""
import json
import math
import time

from ..core.errors import MuPError
from . import results
from .grid import Sweep
from .train import train_run


def _study(sweep: Sweep, storage: str, study_name: str):
    try:
        import optuna
    except ImportError as error:
        raise MuPError("Distributed sweeps need Optuna: pip install 'mutransformers[sweep]'.") from error
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    sampler = optuna.samplers.GridSampler({"point": list(range(len(sweep.runs())))}, seed=0)
    for attempt in range(5):
        try:
            return optuna.create_study(study_name=study_name, storage=storage, load_if_exists=True, sampler=sampler)
        except Exception:  # workers started together race to create the schema: the loser retries
            if attempt == 4:
                raise
            time.sleep(0.5 + attempt)


def run_worker(sweep: Sweep, results_path, data_dir, storage: str, study_name: str = "mutransformers-sweep") -> int:
    """One worker: trains grid points until the study has visited them all. Returns runs trained here."""
    runs = sweep.runs()
    study = _study(sweep, storage, study_name)
    trained = 0

    def objective(trial):
        nonlocal trained
        run = runs[trial.suggest_categorical("point", list(range(len(runs))))]
        done = {r["key"]: r for r in results.load(results_path)}
        record = done.get(run.key())
        if record is None:
            record = train_run(run, data_dir)
            results.append(results_path, record)
            trained += 1
        trial.set_user_attr("record", json.dumps({k: v for k, v in record.items()}, default=str))
        loss = record["eval_loss"]
        return loss if loss is not None and math.isfinite(loss) else float("inf")

    study.optimize(objective, n_trials=len(runs))
    return trained
