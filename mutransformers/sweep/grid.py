"""A sweep: arch x parametrization x width x depth x hyperparameters x seed, run locally or on Optuna workers.

The hyperparameters are muP's (TP V Fig. 4): the learning rate (``log2_lr``), the base model's init
std (``init_std``) and the output, attention and input multipliers. Two protocols:

* ``grid``: every combination of the values given;
* ``one-at-a-time`` (TP V Fig. 4): each HP takes its values while the others stay at the centre.

Each point is a ``RunConfig``, so the results file and its resume logic are the same for every HP.

Scale: every width x every depth, or, with ``paired``, the i-th width with the i-th depth (a joint
width-and-depth transfer: base (64, 2) -> target (256, 8)). The smallest width is the base width; the
smallest depth is the base depth of the ``completep`` and ``depth_mup`` runs (CompleteP).
"""
import itertools
import multiprocessing
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import asdict, dataclass, field

import torch
from tqdm.auto import tqdm

from .. import families
from ..core.errors import MuPError
from . import report, results
from .corpus import as_corpus
from .train import (DEPTH_ALPHA, HPARAMS, MULTIPLIERS, PARAMS, RunConfig, base_init_std, config_settings,
                    train_run)

PROTOCOLS = ("grid", "one-at-a-time")


@dataclass
class Sweep:
    archs: list = field(default_factory=lambda: ["gpt2"])
    params: list = field(default_factory=lambda: ["mup", "sp"])
    widths: list = field(default_factory=lambda: [64, 128, 256, 512])
    log2_lrs: list = field(default_factory=lambda: list(range(-12, -4)))
    seeds: list = field(default_factory=lambda: [0, 1])
    run_fields: dict = field(default_factory=dict)  # steps, batch_size, seq_len, ... (RunConfig fields)
    hparams: dict = field(default_factory=dict)  # HPs swept besides the LR: {"output_mult": [0.5, 1, 2]}
    protocol: str = "grid"
    centre: dict = field(default_factory=dict)  # one-at-a-time: each HP's value while another varies
    depths: list = None  # layer counts (None: run_fields' n_layer, else RunConfig's default)
    paired: bool = False  # zip widths with depths instead of taking every combination

    def __post_init__(self):
        if self.protocol not in PROTOCOLS:
            raise MuPError(f"protocol={self.protocol!r}: use one of {PROTOCOLS}.")
        unknown = [p for p in self.params if p not in PARAMS]
        if unknown:
            raise MuPError(f"Unknown parametrization {unknown}; available: {PARAMS}.")
        if self.depths is None:
            self.depths = [self.run_fields.get("n_layer", RunConfig.__dataclass_fields__["n_layer"].default)]
        elif "n_layer" in self.run_fields:
            raise MuPError("Give the layer counts once: depths (--depths) or n_layer (--n-layer), not both.")
        if self.paired and len(self.widths) != len(self.depths):
            raise MuPError(f"paired scales need one depth per width: widths {self.widths}, depths {self.depths}.")
        depth_params = [p for p in self.params if p in DEPTH_ALPHA]
        if depth_params and len(set(self.depths)) < 2:
            raise MuPError(f"{depth_params} transfer across depth from the smallest depth: give at least two "
                           f"(--depths 2 4 8 16); got {self.depths}.")
        for name in list(self.hparams) + list(self.centre):
            if name not in HPARAMS:
                raise MuPError(f"Unknown hyperparameter {name!r}; the sweepable ones are {HPARAMS}.")
        if "log2_lr" in self.hparams:
            raise MuPError("Give the learning rates as log2_lrs (--log2-lrs), not in hparams (--grid).")
        fixed_init = [a for a in self.archs if families.ARCHS[a].init_std_field is None]
        if "init_std" in self.hparams and fixed_init:
            raise MuPError(f"{', '.join(fixed_init)} has no init std field (its init is fan-in scaled already): "
                           "sweep init_std on the other architectures.")

    def axes(self, arch: str) -> dict:
        """{HP: values} swept for ``arch`` (the LR first)."""
        return {"log2_lr": [float(v) for v in self.log2_lrs],
                **{name: [float(v) for v in values] for name, values in self.hparams.items()}}

    def centre_of(self, arch: str) -> dict:
        """Each HP's centre: given, else its only value, else its default (multipliers 1, the base init std)."""
        centre = {}
        for name, values in self.axes(arch).items():
            if name in self.centre:
                centre[name] = float(self.centre[name])
            elif len(values) == 1:
                centre[name] = values[0]
            elif name == "log2_lr":
                raise MuPError("The one-at-a-time protocol needs the LR the other HPs are swept at: "
                               "--centre log2_lr=<value> (e.g. muP's optimum from an LR sweep).")
            else:
                centre[name] = base_init_std(arch, min(self.widths)) if name == "init_std" else 1.0
        return centre

    def points(self, arch: str) -> list[dict]:
        """The HP settings to train, as RunConfig fields."""
        axes = self.axes(arch)
        if self.protocol == "grid":
            return [dict(zip(axes, values)) for values in itertools.product(*axes.values())]
        centre, points = self.centre_of(arch), []
        for name, values in axes.items():
            for value in values:
                point = {**centre, name: value}
                if point not in points:
                    points.append(point)
        return points

    def scales(self) -> list[tuple]:
        """(width, depth) pairs, largest first, so the slowest runs start early and workers finish together."""
        pairs = zip(self.widths, self.depths) if self.paired else itertools.product(self.widths, self.depths)
        return sorted(set(pairs), key=lambda wd: (wd[0] ** 2 * wd[1], wd), reverse=True)

    def runs(self) -> list[RunConfig]:
        base_width, base_depth = min(self.widths), min(self.depths)
        runs = []
        for (width, depth), arch, param in itertools.product(self.scales(), self.archs, self.params):
            defaults = {"init_std": base_init_std(arch, base_width), **self.run_fields, "n_layer": depth,
                        "base_depth": base_depth if param in DEPTH_ALPHA else 0}
            for point in self.points(arch):
                for seed in self.seeds:
                    runs.append(RunConfig(arch=arch, param=param, width=width, seed=seed, base_width=base_width,
                                          **{**defaults, **point}))
        for run in {run.arch: run for run in runs}.values():  # a bad --set fails here, not in every worker
            config_settings(run)
        return runs

    def runs_extending(self, results_path) -> list[RunConfig]:
        """The runs, after refusing them if they would mix configurations with the results file's (``check_extends``)."""
        runs = self.runs()
        check_extends(results.load(results_path), runs, results_path)
        return runs


def run_local(sweep: Sweep, results_path, data_dir, workers: int = 1, progress: bool = True) -> int:
    """Runs what the results file lacks on ``workers`` local processes (one thread each); no server.

    Each finished run is appended by this process, so the file has one writer. Returns the number
    of runs done now. A results file holds one sweep: runs that would mix configurations with the
    file's are refused before any trains.
    """
    return run_runs(sweep.runs_extending(results_path), results_path, data_dir, workers, progress)


def check_extends(records: list, runs: list, results_path):
    """Refuses new runs whose fixed settings differ from the results file's. The common way in: adding a width
    with ``--widths 512`` alone makes 512 muP's base width (the smallest width is the base), so its runs are not
    the file's sweep and its report would refuse the file after hours of training."""
    new = [asdict(run) for run in runs]
    for arch, name, _ in report.mixed_settings(records + new):
        default = RunConfig.__dataclass_fields__[name].default
        before = sorted({_shown(r.get(name, default)) for r in records if r["arch"] == arch})
        now = sorted({_shown(r[name]) for r in new if r["arch"] == arch})
        hint = (" The smallest of --widths is muP's base width: keep the file's smallest width in --widths (its "
                "runs are skipped as done)." if name == "base_width" else "")
        raise MuPError(f"{results_path} holds {arch} runs with {name} {', '.join(before)}; this sweep's have "
                       f"{', '.join(now)}, so its runs would not be the file's sweep.{hint} Or write them to a new "
                       "--results file.")


def _shown(value) -> str:
    return str(value) or "(unset)"  # an empty config_set: no --set


def run_runs(runs: list, results_path, data_dir, workers: int = 1, progress: bool = True, desc: str = "sweep") -> int:
    """``run_local`` for any list of runs (a sweep's, or the runs of an experiment script)."""
    done = results.finished_keys(results_path)
    todo = [run for run in runs if run.key() not in done]
    for vocab_size in {run.vocab_size for run in todo}:  # tokenize once here: workers then read the cache
        as_corpus(data_dir, vocab_size).token_ids()
    bar = tqdm(total=len(runs), initial=len(runs) - len(todo), desc=desc, disable=not progress)
    if workers <= 1:
        for run in todo:
            _record(results_path, train_run(run, data_dir), bar)
    else:
        # A forked child cannot use CUDA once the parent has touched it; spawned ones can.
        context = multiprocessing.get_context("spawn") if torch.cuda.is_available() else None
        with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
            futures = [pool.submit(train_run, run, data_dir) for run in todo]
            try:
                for future in as_completed(futures):
                    _record(results_path, future.result(), bar)
            except BaseException:
                # A failed run or an interrupt: the pool's exit waits for every submitted run, so without
                # this it would train the rest of the grid and record none of it. Only the runs in flight finish.
                for future in futures:
                    future.cancel()
                raise
    bar.close()
    return len(todo)


def _record(results_path, record, bar):
    results.append(results_path, record)
    hps = " ".join(f"{name}={record[name]:g}" for name in MULTIPLIERS if record.get(name, 1.0) != 1.0)
    depth = f" d={record['n_layer']}" if record.get("base_depth") or record["n_layer"] != 2 else ""
    bar.set_postfix_str(f"{record['param']} w={record['width']}{depth} lr=2^{record['log2_lr']:g} {hps} "
                        f"loss={'diverged' if record['diverged'] else round(record['eval_loss'], 3)}")
    bar.update()
