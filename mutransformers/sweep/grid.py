"""A sweep: arch x parametrization x width x log2 LR x seed, run locally or on Optuna workers."""
import itertools
import multiprocessing
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field

import torch
from tqdm.auto import tqdm

from . import results
from .train import RunConfig, base_init_std, train_run


@dataclass
class Sweep:
    archs: list = field(default_factory=lambda: ["gpt2"])
    params: list = field(default_factory=lambda: ["mup", "sp"])
    widths: list = field(default_factory=lambda: [64, 128, 256, 512])
    log2_lrs: list = field(default_factory=lambda: list(range(-12, -4)))
    seeds: list = field(default_factory=lambda: [0, 1])
    run_fields: dict = field(default_factory=dict)  # steps, batch_size, seq_len, ... (RunConfig fields)

    def runs(self) -> list[RunConfig]:
        """Largest widths first, so the slowest runs start early and workers finish together."""
        base_width = min(self.widths)
        grid = itertools.product(self.archs, self.params, sorted(self.widths, reverse=True), self.log2_lrs,
                                 self.seeds)
        return [RunConfig(arch=a, param=p, width=w, log2_lr=float(lr), seed=s, base_width=base_width,
                          **{"init_std": base_init_std(a, base_width), **self.run_fields})
                for a, p, w, lr, s in grid]

    def todo(self, results_path) -> list[RunConfig]:
        done = results.finished_keys(results_path)
        return [run for run in self.runs() if run.key() not in done]


def run_local(sweep: Sweep, results_path, data_dir, workers: int = 1, progress: bool = True) -> int:
    """Runs what the results file lacks on ``workers`` local processes (one thread each); no server.

    Each finished run is appended by this process, so the file has one writer. Returns the number
    of runs done now.
    """
    todo = sweep.todo(results_path)
    bar = tqdm(total=len(sweep.runs()), initial=len(sweep.runs()) - len(todo), desc="sweep", disable=not progress)
    if workers <= 1:
        for run in todo:
            _record(results_path, train_run(run, data_dir), bar)
    else:
        # A forked child cannot use CUDA once the parent has touched it; spawned ones can.
        context = multiprocessing.get_context("spawn") if torch.cuda.is_available() else None
        with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
            futures = [pool.submit(train_run, run, data_dir) for run in todo]
            for future in as_completed(futures):
                _record(results_path, future.result(), bar)
    bar.close()
    return len(todo)


def _record(results_path, record, bar):
    results.append(results_path, record)
    bar.set_postfix_str(f"{record['param']} w={record['width']} lr=2^{record['log2_lr']:g} "
                        f"loss={'diverged' if record['diverged'] else round(record['eval_loss'], 3)}")
    bar.update()
