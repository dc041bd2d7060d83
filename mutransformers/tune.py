"""μTransfer a model of your own: tune a narrow proxy on your text, then train the target with its values.

``mutransformers tune --target mullama-1b --proxy-width 512 --data my_text/ --search log2_lr=-12:-4 ...``

1. The target (a preset, a config.json or a checkpoint folder) gets the proxy as its muP base
   (targets.derive_proxy): the proxy is the target at the proxy's width, and muP makes the proxy's
   optimum the target's (TP V, Section 3).
2. A search over the proxy: a grid, or Optuna's TPE sampler, on local worker processes (or on any
   machine that reaches ``--storage``), with the sweeps' runs, results file and workers: each trial
   is one ``RunConfig`` per seed, trained by ``sweep.train.train_run`` on the user's ``Corpus``.
3. ``OUT/hparams.json``: the best values, the proxy and target configs, the training settings and
   the search's provenance; ``OUT/target/config.json``: the target with the tuned multipliers and init
   in its config; ``OUT/report.json`` / ``report.png``: loss against each HP, the best trial marked.

``mutransformers train --config OUT`` then trains the target with the transferred values.
"""
import copy
import hashlib
import itertools
import json
import math
import multiprocessing
import sys
import time
import warnings
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path

import torch
from tqdm.auto import tqdm

from . import families, targets
from .core.errors import MuPError
from .sweep import results
from .sweep.corpus import Corpus
from .sweep.train import HPARAMS, MULTIPLIERS, RunConfig, objective

SAMPLERS = ("grid", "tpe")
# the run settings hparams.json carries to the target's training (eval_batches: its held-out estimate)
TRAINING_FIELDS = ("steps", "batch_size", "seq_len", "warmup", "grad_clip", "weight_decay", "mask_prob", "eval_batches")


@dataclass(frozen=True)
class SearchDim:
    """One HP's search range: explicit ``values``, or ``low``..``high`` (LR in log2; the others
    positive, searched in log scale and gridded in factors of 2)."""
    name: str
    values: tuple = ()
    low: float | None = None
    high: float | None = None

    def grid(self) -> list[float]:
        if self.values:
            return list(self.values)
        if self.name == "log2_lr":
            return [float(v) for v in range(math.ceil(self.low), math.floor(self.high) + 1)]
        steps = int(math.floor(math.log2(self.high / self.low) + 1e-9))
        return [self.low * 2.0 ** i for i in range(steps + 1)]

    def suggest(self, trial) -> float:
        if self.values:
            return float(trial.suggest_categorical(self.name, list(self.values)))
        return trial.suggest_float(self.name, self.low, self.high, log=self.name != "log2_lr")

    def describe(self) -> str:
        return ",".join(f"{v:g}" for v in self.values) if self.values else f"{self.low:g}:{self.high:g}"


def parse_space(texts) -> dict:
    """``["log2_lr=-12:-4", "output_mult=0.25,0.5,1"]`` -> {name: SearchDim}."""
    space = {}
    for text in texts:
        name, sep, spec = text.partition("=")
        if not sep or not spec:
            raise MuPError(f"--search {text!r}: write HP=LOW:HIGH or HP=V1,V2,... (e.g. log2_lr=-12:-4).")
        if name not in HPARAMS:
            raise MuPError(f"--search names an unknown hyperparameter {name!r}; the searchable ones are {HPARAMS}.")
        if name in space:
            raise MuPError(f"--search gives {name} twice.")
        try:
            numbers = [float(v) for v in spec.replace(":", ",").split(",")]
        except ValueError:
            raise MuPError(f"--search {text!r}: the values must be numbers.") from None
        if ":" in spec:
            if len(numbers) != 2 or not numbers[0] < numbers[1]:
                raise MuPError(f"--search {text!r}: write one range LOW:HIGH, LOW below HIGH.")
            dim = SearchDim(name, low=numbers[0], high=numbers[1])
        else:
            dim = SearchDim(name, values=tuple(numbers))
        positive = dim.values if dim.values else (dim.low, dim.high)
        if name != "log2_lr" and min(positive) <= 0:
            raise MuPError(f"--search {text!r}: {name} must be positive (give log2 only for the LR).")
        space[name] = dim
    if "log2_lr" not in space:
        raise MuPError("--search must include the learning rate, e.g. log2_lr=-12:-4: every other HP's optimum "
                       "depends on it.")
    return space


# measured in experiments/llama_ablation/ and experiments/*_llama_tied/ (README: "The cause: the untied readout")
DRIFTS_UNDER_AN_UNTIED_READOUT = ("attn_mult", "input_mult")
UNTIED_READOUT_DRIFT = (
    "--search {names} on a target whose readout is untied and randomly initialized: such a readout makes the "
    "optimum drift with width (measured on Llama, widths 64 -> 256: attn_mult x1/4 -> x4 at 1200 steps, width 64's "
    "optimum costing width 256 0.076 nats; input_mult x32 -> x8 at 300 steps, 0.026 nats). With the readout tied "
    "they cost 0.016 and 0.002 nats, and the LR's optimum holds from width 64 to 512 (untied: 1 step); a "
    "zero-initialized readout holds attn_mult too but trains far worse at the default multipliers. Set "
    "tie_word_embeddings=true in the target, or leave {names} out of the search.")


# measured in experiments/gpt2_ablation/input_mult_{gpt2,llama_tied}_lr.* (README: "tuned together with the LR")
INPUT_MULT_AT_ONE_LR = (
    "--search input_mult at one learning rate (log2_lr={lr:g}): input_mult's optimum depends on the LR it is "
    "tuned at. It rises with the LR, and at a fixed LR it falls with width, the more the lower the LR (measured "
    "on GPT-2, widths 64 -> 512: x8 -> x2 at 2^-7, x8 -> x4 at 2^-6; tied Llama, 64 -> 256: x8 -> x2 at 2^-7). "
    "Search log2_lr over a range with it, on the widest proxy you can afford.")


def best_on_edge(trials: list, best: dict, space: dict) -> dict:
    """{HP: "lowest" | "highest"} for each searched HP whose best value is the lowest or highest one tried: its
    optimum may lie outside the search (GPT-2's joint LR x input_mult optimum sat on our grid's top LR)."""
    edges = {}
    for name in space:
        tried = sorted({t["hparams"][name] for t in trials if t["complete"]})
        if len(tried) > 1 and best["hparams"][name] in (tried[0], tried[-1]):
            edges[name] = "lowest" if best["hparams"][name] == tried[0] else "highest"
    return edges


def has_random_untied_readout(config) -> bool:
    """An LM head with its own weight, drawn at random (not ``readout_zero_init``)."""
    return not getattr(config, "tie_word_embeddings", True) and not getattr(config, "readout_zero_init", False)


@dataclass
class Tune:
    target: str
    proxy_width: int
    corpus: Corpus
    space: dict
    out: str
    proxy_layers: int | None = None
    depth_alpha: float | None = None  # a shallower proxy of a pre-LN target: CompleteP's alpha (None: 1.0)
    sampler: str = "grid"
    trials: int = 32  # tpe only: the grid's size is its own
    seeds: list = field(default_factory=lambda: [0])
    run_fields: dict = field(default_factory=dict)  # steps, batch_size, seq_len, warmup, grad_clip, ...

    def __post_init__(self):
        if self.sampler not in SAMPLERS:
            raise MuPError(f"--sampler {self.sampler!r}: use one of {SAMPLERS}.")
        self.out = str(self.out)
        self.target_config = targets.load_target(self.target)
        self.proxy_config, self.based_target = targets.derive_proxy(self.target_config, self.proxy_width,
                                                                     self.proxy_layers, self.depth_alpha)
        self.arch = families.ARCH_OF_MODEL_TYPE[self.proxy_config.model_type]
        if "init_std" in self.space and families.ARCHS[self.arch].init_std_field is None:
            raise MuPError(f"{self.arch} has no init std field (its init is fan-in scaled already): search "
                           "init_std on the other architectures.")
        drifting = [name for name in DRIFTS_UNDER_AN_UNTIED_READOUT if name in self.space]
        if drifting and has_random_untied_readout(self.target_config):
            warnings.warn(UNTIED_READOUT_DRIFT.format(names=" and ".join(drifting)), UserWarning, stacklevel=2)
        lr = self.space["log2_lr"]
        if "input_mult" in self.space and len(set(lr.values)) == 1:
            warnings.warn(INPUT_MULT_AT_ONE_LR.format(lr=lr.values[0]), UserWarning, stacklevel=2)

    # -- files ------------------------------------------------------------------------------
    @property
    def folder(self) -> Path:
        return Path(self.out)

    @property
    def results_path(self) -> Path:
        return self.folder / "trials.jsonl"

    @property
    def proxy_path(self) -> Path:
        return self.folder / "proxy" / "config.json"

    def prepare(self):
        """Checks the data against the target, tokenizes it once (the workers read the cache) and writes
        the proxy's config (the runs build from it)."""
        self.corpus.token_ids()
        self.corpus.check_fits(self.proxy_config.vocab_size, masked=objective(self.arch) == "masked")
        self.proxy_path.parent.mkdir(parents=True, exist_ok=True)
        self.proxy_config.to_json_file(str(self.proxy_path))

    # -- runs -------------------------------------------------------------------------------
    def _defaults(self) -> dict:
        std = getattr(self.proxy_config, "initializer_range", None)
        layers = getattr(self.proxy_config, targets.layers_field(self.proxy_config))
        return {"init_std": std if std is not None else RunConfig.__dataclass_fields__["init_std"].default,
                "n_layer": layers, "vocab_size": self.corpus.vocab_size, **self.run_fields}

    def make_runs(self, values: dict) -> list:
        """One run per seed at these HP values (a trial)."""
        fields = {**self._defaults(), **values}
        return [RunConfig(arch=self.arch, param="mup", width=self.proxy_width, base_width=self.proxy_width,
                          seed=seed, model=str(self.proxy_path.resolve()), **fields) for seed in self.seeds]

    def grid_points(self) -> list[dict]:
        names = list(self.space)
        return [dict(zip(names, combo)) for combo in itertools.product(*(self.space[n].grid() for n in names))]

    def n_trials(self) -> int:
        return len(self.grid_points()) if self.sampler == "grid" else self.trials

    def study_name(self) -> str:
        """One study per search: its settings' digest, so two searches never share trials."""
        spec = json.dumps([self.target, self.proxy_width, self.proxy_layers, self.depth_alpha, self.sampler,
                           {n: d.describe() for n, d in self.space.items()}, self.seeds, self.run_fields],
                          sort_keys=True, default=str)
        return "tune-" + hashlib.sha256(spec.encode()).hexdigest()[:12]

    def storage(self, storage: str | None) -> str:
        return storage or f"sqlite:///{(self.folder / 'study.db').resolve()}"

    # -- the search -------------------------------------------------------------------------
    def run(self, workers: int = 2, storage: str | None = None, progress: bool = True) -> int:
        """Runs the search on ``workers`` local processes (one torch thread each) and returns the runs
        trained now. Resumes: finished runs are read from the results file, never trained twice."""
        self.prepare()
        storage = self.storage(storage)
        total = self.n_trials() * len(self.seeds)
        context = multiprocessing.get_context("spawn") if torch.cuda.is_available() else None
        bar = tqdm(total=total, desc="tune", disable=not progress)
        with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
            futures = [pool.submit(_worker, self, storage, index) for index in range(workers)]
            while not all(f.done() for f in futures):
                bar.n = min(total, len(self._records()))
                best = self.best(quiet=True)
                if best:
                    bar.set_postfix_str(f"best {best['eval_loss']:.3f} at " + _values_text(best["hparams"]))
                bar.refresh()
                time.sleep(1.0)
            trained = sum(f.result() for f in futures)
        bar.n = min(total, len(self._records()))
        bar.close()
        return trained

    def _records(self) -> list:
        return [r for r in results.load(self.results_path) if r.get("model") == str(self.proxy_path.resolve())]

    def trials_table(self) -> list[dict]:
        """Each HP setting tried: its values, the seeds' mean held-out loss, its runs."""
        by_point = {}
        for r in self._records():
            point = tuple((name, float(r[name])) for name in self.space)
            by_point.setdefault(point, []).append(r)
        table = []
        for point, runs in by_point.items():
            losses = [r["eval_loss"] if r["eval_loss"] is not None and not r["diverged"] else math.inf for r in runs]
            table.append({"hparams": dict(point), "eval_loss": sum(losses) / len(losses),
                          "seeds": sorted(r["seed"] for r in runs), "complete": len(runs) == len(self.seeds)})
        return sorted(table, key=lambda t: t["eval_loss"])

    def best(self, quiet: bool = False) -> dict | None:
        complete = [t for t in self.trials_table() if t["complete"] and math.isfinite(t["eval_loss"])]
        if not complete:
            if quiet:
                return None
            raise MuPError(f"No finished trial in {self.results_path}: run the search first.")
        return complete[0]

    # -- outputs ----------------------------------------------------------------------------
    def tuned_target(self, hparams: dict):
        """The target's config with the tuned init and multipliers (its base: the proxy)."""
        config = copy.deepcopy(self.based_target)
        init_std_field = families.ARCHS[self.arch].init_std_field
        if "init_std" in hparams and init_std_field:
            setattr(config, init_std_field, hparams["init_std"])
        for name in MULTIPLIERS:
            if name in hparams:
                factor = hparams[name]
                if name == "attn_mult":
                    config.attn_mult = factor * config.base_attn_mult()
                else:
                    setattr(config, name, factor)
        config.validate_mup()
        return config

    def write(self) -> dict:
        """hparams.json, target/config.json, report.json and report.png; returns the hparams record."""
        best, table = self.best(), self.trials_table()
        edges = best_on_edge(table, best, self.space)
        if edges:
            warnings.warn("The best " + ", ".join(f"{n} ({best['hparams'][n]:g}) is the {e}" for n, e in edges.items())
                          + " value searched: the optimum may lie beyond it. Widen --search "
                          + " ".join(edges) + " and rerun (finished trials are kept).", UserWarning, stacklevel=2)
        defaults = {n: RunConfig.__dataclass_fields__[n].default for n in HPARAMS if n != "log2_lr"}
        if families.ARCHS[self.arch].init_std_field is None:  # T5: its init is fan-in scaled already
            defaults.pop("init_std")
        hparams = {**defaults, **{n: v for n, v in self._defaults().items() if n in defaults}, **best["hparams"]}
        config = self.tuned_target(hparams)
        target_dir = self.folder / "target"
        target_dir.mkdir(parents=True, exist_ok=True)
        config.to_json_file(str(target_dir / "config.json"))
        training = {k: v for k, v in asdict(self.make_runs(hparams)[0]).items()
                    if k in TRAINING_FIELDS}
        steps_tokens = training["steps"] * training["batch_size"] * training["seq_len"]
        record = {
            "hparams": {**hparams, "lr": 2.0 ** hparams["log2_lr"]},
            "best_eval_loss": best["eval_loss"], "seeds": self.seeds,
            "unigram_loss": self.corpus.unigram_loss(),
            "training": {**training, "schedule": "linear warmup, then cosine decay to 0",
                         "optimizer": "MuAdamW (lr for vector-like parameters, lr / width_mult for hidden weights)"},
            "target": {"spec": self.target, "config": "target/config.json", "mup_base": config.mup_base,
                       "parameters": targets.parameter_count(config)},
            "proxy": {"width": self.proxy_width, "layers": self._defaults()["n_layer"], "config": "proxy/config.json",
                      "parameters": targets.parameter_count(self.proxy_config)},
            "search": {"sampler": self.sampler, "space": {n: d.describe() for n, d in self.space.items()},
                       "trials": len(table), "results": self.results_path.name,
                       "best_on_edge": edges,
                       "study": self.study_name(),
                       "runs": len(self._records()),
                       "proxy_flops": targets.training_flops(self.proxy_config, steps_tokens) * len(self._records())},
            "data": self.corpus.describe(),
            "provenance": _provenance(),
        }
        (self.folder / "hparams.json").write_text(json.dumps(record, indent=1, default=str))
        self.report()
        return record

    def report(self):
        """report.json (the trials, best first; the best point's neighbours on each grid axis) and
        report.png (held-out loss against each HP, one dot per trial, the best marked)."""
        from .coord_check.plot import plt
        table, best = self.trials_table(), self.best()
        neighbours = {}
        for name, dim in self.space.items():
            grid = dim.grid()
            nearby = [t for t in table if all(t["hparams"][o] == best["hparams"][o] for o in self.space if o != name)]
            neighbours[name] = sorted(({"value": t["hparams"][name], "eval_loss": t["eval_loss"]} for t in nearby),
                                      key=lambda x: x["value"])
            neighbours[name] = [n for n in neighbours[name] if self.sampler != "grid" or n["value"] in grid]
        (self.folder / "report.json").write_text(json.dumps(
            {"best": best, "neighbourhood": neighbours, "trials": table}, indent=1, default=str))
        fig, axes = plt.subplots(1, len(self.space), figsize=(3.6 * len(self.space), 3.2), squeeze=False)
        for ax, name in zip(axes[0], self.space):
            finite = [t for t in table if math.isfinite(t["eval_loss"])]
            ax.scatter([t["hparams"][name] for t in finite], [t["eval_loss"] for t in finite], s=14, alpha=0.6,
                       label="trials")
            ax.plot([n["value"] for n in neighbours[name]], [n["eval_loss"] for n in neighbours[name]],
                    color="tab:gray", lw=1, label="others at best")
            ax.scatter([best["hparams"][name]], [best["eval_loss"]], marker="*", s=160, color="tab:red",
                       zorder=3, label="best")
            if name != "log2_lr":
                ax.set_xscale("log", base=2)
            ax.set_xlabel(name)
            ax.set_ylabel("held-out loss (seed mean)")
        axes[0][0].legend(fontsize=7)
        fig.suptitle(f"tune: {self.target} via a width-{self.proxy_width} proxy ({self.sampler})", fontsize=10)
        fig.tight_layout()
        fig.savefig(self.folder / "report.png", dpi=110)
        plt.close(fig)


def _worker(tune: Tune, storage: str, index: int = 0) -> int:
    from .sweep.distributed import run_search_worker, run_worker
    if tune.sampler == "grid":
        runs = [run for point in tune.grid_points() for run in tune.make_runs(point)]
        return run_worker(runs, tune.results_path, tune.corpus, storage, tune.study_name(), heartbeat=60.0)
    import optuna
    # a seed per worker: with one seed, every worker's start-up (random) phase proposed the same points;
    # constant liar: running trials count as bad guesses, so parallel workers spread out
    sampler = optuna.samplers.TPESampler(seed=index, constant_liar=True)
    space = {name: dim.suggest for name, dim in tune.space.items()}
    return run_search_worker(space, tune.make_runs, tune.trials, tune.results_path, tune.corpus, storage,
                             tune.study_name(), heartbeat=60.0, sampler=sampler)


def _values_text(hparams: dict) -> str:
    return " ".join(f"{n}={v:.3g}" for n, v in hparams.items())


def _provenance() -> dict:
    """The code's commit, package versions and device (as every results row has), and the command."""
    from .sweep.provenance import provenance
    device = "cuda" if torch.cuda.is_available() else "cpu"
    return {**provenance(device), "command": " ".join(sys.argv), "written": time.strftime("%Y-%m-%dT%H:%M:%S%z")}
