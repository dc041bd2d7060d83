"""The same sweep across machines, on Optuna with a shared database (``--storage URL``).

Why Optuna rather than Ray: a sweep here is a fixed grid of independent CPU-bound runs. Optuna's
trials in a shared RDB (PostgreSQL/MySQL across machines, SQLite on one), numbered under a lock, hand
each worker its own grid point, and its heartbeats retry the point of a worker that died; a worker is just ``mutransformers sweep --storage URL`` started on any
machine that reaches the database — no cluster to stand up, no head node, one small pure-Python
dependency instead of Ray's runtime. Every worker also appends to its results file, which stays
the source of truth for the report (and makes a re-run skip finished points, as locally).
"""
import json
import math
import os
import socket
import time
import warnings

from ..core.errors import MuPError
from . import results
from .grid import Sweep
from .train import train_run


def _study(sweep: Sweep, storage_url: str, study_name: str, heartbeat: float):
    try:
        import optuna
        from optuna.storages import RDBStorage, RetryHeartbeatStaleTrialCallback
    except ImportError as error:
        raise MuPError("Distributed sweeps need Optuna: pip install 'mutransformers[sweep]'.") from error
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    warnings.filterwarnings("ignore", category=optuna.exceptions.ExperimentalWarning)  # the heartbeat API
    sampler = optuna.samplers.RandomSampler(seed=0)  # unused: the points come from trial numbers (run_worker)
    for attempt in range(5):
        try:
            # a worker that stops beating (killed, machine lost) has its run marked failed by the others
            # after grace seconds, and the callback queues the same grid point again
            storage = RDBStorage(storage_url, heartbeat_interval=heartbeat, grace_period=3 * heartbeat,
                                 heartbeat_stale_trial_callback=RetryHeartbeatStaleTrialCallback(max_retry=3))
            return optuna.create_study(study_name=study_name, storage=storage, load_if_exists=True,
                                       sampler=sampler)
        except Exception:  # workers started together race to create the schema: the loser retries
            if attempt == 4:
                raise
            time.sleep(0.5 + attempt)


def run_worker(sweep: Sweep, results_path, data_dir, storage: str, study_name: str = "mutransformers-sweep",
               heartbeat: float = 60.0) -> int:
    """One worker: trains grid points until every point has finished (here or elsewhere). Returns the
    runs trained here.

    Each grid point is claimed exactly once. Optuna creates trials one at a time under a lock on the
    study row, so a trial's number orders it among all trials; a fresh trial claims point i, where i
    counts the fresh trials before it (retries excluded), and a fresh trial with i >= the grid size
    trains nothing. A worker that dies mid-run stops its heartbeat: after 3 heartbeats any other worker
    marks the run failed and the retry callback queues the same point (its ``point`` attribute) again.
    Workers keep polling while runs are in flight elsewhere, so no retry is left behind.
    """
    import optuna
    from optuna.trial import TrialState
    runs = sweep.runs()
    study = _study(sweep, storage, study_name, heartbeat)
    trained = 0

    def objective(trial):
        nonlocal trained
        if "point" not in trial.user_attrs:  # a fresh trial (a retry carries its point)
            earlier = [t for t in trial.study.get_trials(deepcopy=False) if t.number < trial.number]
            point = sum(not _is_retry(t) for t in earlier)
            if point >= len(runs):
                raise optuna.TrialPruned("every grid point is claimed")
            trial.set_user_attr("point", point)
        run = runs[trial.user_attrs["point"]]
        trial.set_user_attr("worker", f"{socket.gethostname()}:{os.getpid()}")  # who holds the point
        done = {r["key"]: r for r in results.load(results_path)}
        record = done.get(run.key())
        if record is None:
            record = train_run(run, data_dir)
            results.append(results_path, record)
            trained += 1
        trial.set_user_attr("record", json.dumps({k: v for k, v in record.items()}, default=str))
        loss = record["eval_loss"]
        return loss if loss is not None and math.isfinite(loss) else float("inf")

    while True:
        optuna.storages.fail_stale_trials(study)  # dead workers' runs -> failed -> queued again
        trials = study.get_trials(deepcopy=False)
        states = [t.state for t in trials]
        if TrialState.WAITING in states or sum(not _is_retry(t) for t in trials) < len(runs):
            study.optimize(objective, n_trials=1)
        elif TrialState.RUNNING in states:
            time.sleep(min(heartbeat, 2.0))  # runs in flight elsewhere: one may die and need a retry here
        else:
            return trained


def _is_retry(trial) -> bool:
    from optuna.storages import RetryHeartbeatStaleTrialCallback
    return RetryHeartbeatStaleTrialCallback.retried_trial_number(trial) is not None
