"""Sweep analysis and the TP V figures (Fig. 1: loss against log2 LR; Fig. 4: one panel per HP).

Per (arch, parametrization, swept HP) and width: the optimum (grid argmin of the seed-mean held-out
loss, and the vertex of a parabola through the argmin and its two neighbours, both in log2 of the
HP), each seed's optimum, the optimum's shift in grid steps across widths, whether the best loss
falls with width, and whether wider is better at every value within one grid step of some width's
optimum. Diverged runs count as infinite loss. Beside it, whether the result says anything: how far
the best losses sit below the unigram baseline (the loss of ignoring context), and whether the best
losses of successive widths lie further apart than the seeds' spread at the optimum.

Which runs make an HP's curve is read off the records: a full grid gives each value of the HP its
best loss over the other HPs; a one-at-a-time sweep (TP V Fig. 4) gives the runs where every other
HP is at its centre, the value it takes most often.
"""
import math
from collections import Counter, defaultdict

import numpy as np

from ..coord_check.plot import plt  # matplotlib with the Agg backend
from ..core.errors import MuPError
from .train import HPARAMS, RunConfig

_DEFAULTS = {name: RunConfig.__dataclass_fields__[name].default for name in HPARAMS}


def _loss(record) -> float:
    loss = record.get("eval_loss")
    return math.inf if record.get("diverged") or loss is None or not math.isfinite(loss) else loss


def _log2(hp: str, value: float) -> float:
    """Where a value sits on the HP's axis: log2 of it (the LR is given as its log2 already)."""
    return float(value) if hp == "log2_lr" else math.log2(value)


def _hps(record) -> dict:
    return {name: float(record.get(name, _DEFAULTS[name])) for name in HPARAMS}


_REQUIRED = ("key", "arch", "param", "width", "seed", "log2_lr", "eval_loss")
# settings every run of one architecture must share: the rest vary within a sweep
_FIXED = tuple(name for name in RunConfig.__dataclass_fields__
               if name not in (*HPARAMS, "arch", "param", "width", "seed"))


def check_one_sweep(records, source="the results"):
    """Records that form one sweep: sweep runs, with one value of every non-swept setting per architecture.

    Mixing runs of two configurations (300 and 1000 steps, two base widths) would let the report
    pick optima across them without a word."""
    if not records:
        raise MuPError(f"{source} holds no finished runs. Give the JSONL file a sweep wrote "
                       "(mutransformers sweep --results FILE).")
    for i, record in enumerate(records):
        missing = [name for name in _REQUIRED if name not in record]
        if missing:
            raise MuPError(f"{source} is not a sweep results file: record {i + 1} lacks {missing}. Give the "
                           "JSONL file a sweep wrote (mutransformers sweep --results FILE).")
    for arch in sorted({r["arch"] for r in records}):
        runs = [r for r in records if r["arch"] == arch]
        for name in _FIXED:
            values = sorted({r.get(name, RunConfig.__dataclass_fields__[name].default) for r in runs})
            if len(values) > 1:
                raise MuPError(f"{source} mixes runs of different sweep configurations: {arch} runs have {name} in "
                               f"{values}. Report each configuration from its own results file (sweep --results); "
                               "only log2_lr, init_std and the multipliers may vary within one.")


def curves(records) -> dict:
    """{(arch, param, hp): {width: {log2 value: [loss per seed]}}} for every HP the records vary."""
    groups = defaultdict(list)
    for r in records:
        groups[(r["arch"], r["param"])].append(r)
    table = {}
    for (arch, param), group in groups.items():
        settings = [_hps(r) for r in group]
        values = {name: sorted({s[name] for s in settings}) for name in HPARAMS}
        swept = [name for name in HPARAMS if len(values[name]) > 1] or ["log2_lr"]
        full_grid = len({tuple(s[n] for n in swept) for s in settings}) == math.prod(len(values[n]) for n in swept)
        centre = {name: Counter(s[name] for s in settings).most_common(1)[0][0] for name in HPARAMS}
        for hp in swept:
            table[(arch, param, hp)] = _curve(group, settings, hp, swept, full_grid, centre)
    return table


def _curve(group, settings, hp, swept, full_grid, centre):
    """{width: {log2 value: [loss per seed]}}: the slice at the centre, or the best over the other HPs."""
    by_point = defaultdict(list)  # (width, value, other HPs) -> [(seed, loss)]
    for r, s in zip(group, settings):
        others = tuple(s[n] for n in swept if n != hp)
        if full_grid or all(s[n] == centre[n] for n in swept if n != hp):
            by_point[(r["width"], _log2(hp, s[hp]), others)].append((r["seed"], _loss(r)))
    best = {}
    for (width, value, _), seed_losses in by_point.items():
        losses = [loss for _, loss in sorted(seed_losses)]
        mean = float(np.mean(losses))
        if (width, value) not in best or mean < best[(width, value)][0]:
            best[(width, value)] = (mean, losses)
    out = defaultdict(dict)
    for (width, value), (_, losses) in best.items():
        out[width][value] = losses
    return out


def _argmin(values, losses):
    i = int(np.argmin(losses))
    return values[i], losses[i], i


def _parabola_vertex(values, losses, i) -> float:
    if 0 < i < len(values) - 1 and all(math.isfinite(v) for v in losses[i - 1:i + 2]):
        a, b, _ = np.polyfit(values[i - 1:i + 2], losses[i - 1:i + 2], 2)
        if a > 0:
            return float(-b / (2 * a))
    return float(values[i])


def analyze(records) -> dict:
    """Optima per width and the transfer verdicts, keyed ``"<arch> <param> <hp>"``."""
    check_one_sweep(records)
    unigram = {r["arch"]: r["unigram_loss"] for r in records if r.get("unigram_loss") is not None}
    summary = {}
    for (arch, param, hp), by_width in sorted(curves(records).items()):
        rows, best_losses, means, optima = [], [], {}, []
        grid = sorted(set.intersection(*(set(by_value) for by_value in by_width.values())))
        for width in sorted(by_width):
            values = sorted(by_width[width])
            seed_losses = [by_width[width][v] for v in values]
            mean = [float(np.mean(v)) if all(map(math.isfinite, v)) else math.inf for v in seed_losses]
            means[width] = dict(zip(values, mean))
            best, best_loss, i = _argmin(values, mean)
            per_seed = [float(_argmin(values, [v[s] for v in seed_losses])[0])
                        for s in range(min(len(v) for v in seed_losses))]
            steps = [grid.index(v) for v in per_seed if v in grid]
            finite = [v for v in seed_losses[i] if math.isfinite(v)]
            rows.append({"width": width, "best_log2": best, "best_loss": best_loss,
                         "parabola_log2": _parabola_vertex(values, mean, i), "seed_optima_log2": per_seed,
                         "seeds_agree": bool(steps) and max(steps) - min(steps) <= 1,
                         "seed_spread_at_optimum": max(finite) - min(finite) if finite else math.inf})
            best_losses.append(best_loss)
            optima.append(best)
        optimum_steps = [grid.index(v) for v in optima if v in grid]
        spread = max(r["seed_spread_at_optimum"] for r in rows)
        summary[f"{arch} {param} {hp}"] = {
            "arch": arch, "param": param, "hp": hp, "widths": rows,
            "optimum_shift_steps": max(optimum_steps) - min(optimum_steps) if optimum_steps else None,
            "best_loss_falls_with_width": all(a > b for a, b in zip(best_losses, best_losses[1:])),
            **_wider_is_better_near_optimum(means, optima, grid),
            "unigram_loss": unigram.get(arch), "margin_below_unigram":
                unigram[arch] - max(best_losses) if arch in unigram else None,
            "seed_spread_at_optimum": spread,
            "best_losses_apart_beyond_seed_spread": all(abs(a - b) > spread for a, b in zip(best_losses, best_losses[1:])),
        }
    return summary


def _wider_is_better_near_optimum(means: dict, optima: list, grid: list) -> dict:
    """At each value within one grid step of some width's optimum, does the loss fall with every width step?"""
    near = [v for i, v in enumerate(grid)
            if any(best in grid and abs(i - grid.index(best)) <= 1 for best in optima)]
    widths = sorted(means)
    exceptions = [v for v in near if not all(means[a][v] > means[b][v] for a, b in zip(widths, widths[1:]))]
    return {"values_near_optimum_log2": near, "wider_better_near_optimum": not exceptions,
            "values_where_wider_is_not_better_log2": exceptions}


_LABELS = {"log2_lr": "log2 learning rate", "init_std": "log2 init std (base model)",
           "output_mult": "log2 output multiplier", "attn_mult": "log2 attention multiplier",
           "input_mult": "log2 input multiplier"}


def plot_sweep(records, path, title: str = "muP transfer"):
    """TP V's layout: one column per swept HP, one row per (arch, parametrization: SP above muP),
    loss against log2 of the HP, one curve per width (seed mean), each width's optimum starred."""
    table = curves(records)
    hps = [hp for hp in HPARAMS if any(key[2] == hp for key in table)]
    rows = sorted({(arch, param) for arch, param, _ in table}, key=lambda ap: (ap[0], ap[1] != "sp"))
    fig, axes = plt.subplots(len(rows), len(hps), figsize=(4.6 * len(hps), 3.6 * len(rows)), squeeze=False)
    finite = [v for by_w in table.values() for by_v in by_w.values() for vs in by_v.values() for v in vs
              if math.isfinite(v)]
    low, high = (min(finite), min(max(finite), min(finite) + 2.5)) if finite else (0, 1)
    for r, (arch, param) in enumerate(rows):
        for c, hp in enumerate(hps):
            ax = axes[r][c]
            by_width = table.get((arch, param, hp), {})
            colors = plt.get_cmap("viridis")(np.linspace(0, 0.9, max(len(by_width), 1)))
            for color, width in zip(colors, sorted(by_width)):
                values = sorted(by_width[width])
                mean = [np.mean(by_width[width][v]) if all(map(math.isfinite, by_width[width][v])) else np.nan
                        for v in values]
                ax.plot(values, mean, marker="o", markersize=3, color=color, label=f"width {width}")
                if np.isfinite(mean).any():
                    i = int(np.nanargmin(mean))
                    ax.plot(values[i], mean[i], marker="*", markersize=12, color=color)
            ax.set_ylim(low - 0.05, high)
            ax.set_xlabel(_LABELS[hp])
            ax.set_ylabel("held-out loss")
            ax.set_title(f"{arch}: {'muP' if param == 'mup' else 'standard parametrization'}", fontsize=10)
            if by_width:
                ax.legend(fontsize=7)
    fig.suptitle(title)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path
