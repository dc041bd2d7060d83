"""Sweeps and tune searches across processes and machines, on Optuna with a shared database.

Why Optuna rather than Ray: a sweep here is a fixed grid of independent CPU-bound runs, and a tune
search a sequence of them proposed by a sampler (TPE). Optuna's trials in a shared RDB
(PostgreSQL/MySQL across machines, SQLite on one), numbered under a lock, hand each worker its own
point, and its heartbeats retry the point of a worker that died; a worker is just
``mutransformers sweep|tune --storage URL`` started on any machine that reaches the database — no
cluster to stand up, no head node, one small pure-Python dependency instead of Ray's runtime. Every
worker also appends to its results file, which stays the source of truth for the report (and makes
a re-run skip finished runs, as locally).
"""
import json
import math
import os
import socket
import time
import warnings

from ..core.errors import MuPError
from . import results
from .train import train_run


def _study(storage_url: str, study_name: str, heartbeat: float, sampler=None):
    try:
        import optuna
        from optuna.storages import RDBStorage, RetryHeartbeatStaleTrialCallback
    except ImportError as error:
        raise MuPError("Distributed sweeps and tune need Optuna: pip install 'mutransformers[sweep]'.") from error
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    warnings.filterwarnings("ignore", category=optuna.exceptions.ExperimentalWarning)  # the heartbeat API
    # grid: unused, the points come from trial numbers (run_worker); search: TPE or any Optuna sampler
    sampler = sampler or optuna.samplers.RandomSampler(seed=0)
    for attempt in range(5):
        try:
            # a worker that stops beating (killed, machine lost) has its run marked failed by the others
            # after grace seconds, and the callback queues the same point (same params) again
            storage = RDBStorage(storage_url, heartbeat_interval=heartbeat, grace_period=3 * heartbeat,
                                 heartbeat_stale_trial_callback=RetryHeartbeatStaleTrialCallback(max_retry=3))
            return optuna.create_study(study_name=study_name, storage=storage, load_if_exists=True,
                                       sampler=sampler)
        except Exception:  # workers started together race to create the schema: the loser retries
            if attempt == 4:
                raise
            time.sleep(0.5 + attempt)


def train_or_reuse(run, results_path, data_dir) -> tuple[dict, bool]:
    """The run's record: from the results file when it finished before, else trained and appended."""
    record = {r["key"]: r for r in results.load(results_path)}.get(run.key())
    if record is not None:
        return record, False
    record = train_run(run, data_dir)
    results.append(results_path, record)
    return record, True


def _loss(record) -> float:
    loss = record["eval_loss"]
    return loss if loss is not None and math.isfinite(loss) else float("inf")


def run_worker(runs: list, results_path, data_dir, storage: str, study_name: str = "mutransformers-sweep",
               heartbeat: float = 60.0) -> int:
    """One worker of a grid: trains points (``runs``) until every point has finished (here or
    elsewhere). Returns the runs trained here.

    Each grid point is claimed exactly once. Optuna creates trials one at a time under a lock on the
    study row, so a trial's number orders it among all trials; a fresh trial claims point i, where i
    counts the fresh trials before it (retries excluded), and a fresh trial with i >= the grid size
    trains nothing. A worker that dies mid-run stops its heartbeat: after 3 heartbeats any other worker
    marks the run failed and the retry callback queues the same point (its ``point`` attribute) again.
    Workers keep polling while runs are in flight elsewhere, so no retry is left behind.
    """
    study = _study(storage, study_name, heartbeat)
    trained = 0

    def train_point(trial, point):
        nonlocal trained
        record, new = train_or_reuse(runs[point], results_path, data_dir)
        trained += new
        trial.set_user_attr("record", json.dumps(record, default=str))
        return _loss(record)

    _work(study, len(runs), train_point, heartbeat)
    return trained


def run_search_worker(space: dict, make_runs, n_trials: int, results_path, data_dir, storage: str,
                      study_name: str, heartbeat: float = 60.0, sampler=None) -> int:
    """One worker of a search: each trial asks the sampler (TPE, ...) for a point of ``space``
    ({HP: suggest(trial) -> value}), trains ``make_runs(values)`` (one run per seed) and reports their
    mean held-out loss. Trials are numbered and retried as grid points are (run_worker): exactly
    ``n_trials`` across all workers. Returns the runs trained here."""
    study = _study(storage, study_name, heartbeat, sampler)
    trained = 0

    def train_point(trial, point):
        nonlocal trained
        values = {name: suggest(trial) for name, suggest in space.items()}
        losses = []
        for run in make_runs(values):
            record, new = train_or_reuse(run, results_path, data_dir)
            trained += new
            losses.append(_loss(record))
        return sum(losses) / len(losses)

    _work(study, n_trials, train_point, heartbeat)
    return trained


def _work(study, n_points: int, train_point, heartbeat: float):
    """The worker loop both share: claim the next point (or a retry), train it, until all have finished."""
    import optuna
    from optuna.trial import TrialState

    def objective(trial):
        if "point" not in trial.user_attrs:  # a fresh trial (a retry carries its point)
            earlier = [t for t in trial.study.get_trials(deepcopy=False) if t.number < trial.number]
            point = sum(not _is_retry(t) for t in earlier)
            if point >= n_points:
                raise optuna.TrialPruned("every point is claimed")
            trial.set_user_attr("point", point)
        trial.set_user_attr("worker", f"{socket.gethostname()}:{os.getpid()}")  # who holds the point
        return train_point(trial, trial.user_attrs["point"])

    _requeue_failed(study)
    while True:
        optuna.storages.fail_stale_trials(study)  # dead workers' runs -> failed -> queued again
        trials = study.get_trials(deepcopy=False)
        states = [t.state for t in trials]
        if TrialState.WAITING in states or sum(not _is_retry(t) for t in trials) < n_points:
            study.optimize(objective, n_trials=1)
        elif TrialState.RUNNING in states:
            time.sleep(min(heartbeat, 2.0))  # runs in flight elsewhere: one may die and need a retry here
        else:
            return


def _requeue_failed(study):
    """Points whose trial raised (the worker crashed on an error, not a lost heartbeat) and were never
    retried: queued again, so a re-run after the fix trains them rather than skipping them."""
    from optuna.storages import RetryHeartbeatStaleTrialCallback
    from optuna.trial import TrialState
    trials = study.get_trials(deepcopy=False)
    retried = {RetryHeartbeatStaleTrialCallback.retried_trial_number(t) for t in trials}
    for trial in trials:
        if trial.state == TrialState.FAIL and "point" in trial.user_attrs and trial.number not in retried:
            RetryHeartbeatStaleTrialCallback(max_retry=3)(study, trial)


def _is_retry(trial) -> bool:
    from optuna.storages import RetryHeartbeatStaleTrialCallback
    return RetryHeartbeatStaleTrialCallback.retried_trial_number(trial) is not None
