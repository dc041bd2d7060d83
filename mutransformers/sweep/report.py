"""Sweep analysis and the TP V figures (Fig. 1: loss against log2 LR; Fig. 4: one panel per HP).

Per (arch, parametrization, swept HP) and scale (width, depth, or both together): the optimum (grid argmin of the seed-mean held-out
loss, and the vertex of a parabola through the argmin and its two neighbours, both in log2 of the
HP), each seed's optimum, the optimum's shift in grid steps across widths, whether the best loss
falls with width, and whether wider is better at every value within one grid step of some width's
optimum. Diverged runs count as infinite loss. Beside it, whether the result says anything: how far
the best losses sit below the unigram baseline (the loss of ignoring context), and whether the best
losses of successive widths lie further apart than the seeds' spread at the optimum.

Which runs make an HP's curve is read off the records: a full grid gives each value of the HP its
best loss over the other HPs; a one-at-a-time sweep (TP V Fig. 4) gives the runs where every other
HP is at its centre, the value it takes most often.

The scale a sweep transfers across is read off the records too: the width (``"widths"``, "wider is
better"), the depth (``"depths"``, "deeper is better"), or both grown together (``"sizes"``, "bigger is
better"; a paired sweep). Every row names its width and depth.
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
               if name not in (*HPARAMS, "arch", "param", "width", "n_layer", "base_depth", "seed"))
AXES = {"width": ("widths", "width", "wider"), "depth": ("depths", "depth", "deeper"),
         "size": ("sizes", "size", "bigger")}  # axis: (rows' key, "falls with ...", "... is better")
_PARAM_NAMES = {"sp": "standard parametrization", "mup": "muP", "completep": "CompleteP (alpha 1)",
                "depth_mup": "Depth-muP (alpha 1/2)"}


def _scale(record) -> tuple:
    return int(record["width"]), int(record.get("n_layer", RunConfig.__dataclass_fields__["n_layer"].default))


def scale_axis(scales) -> str:
    """What a set of (width, depth) scales grows: "width", "depth", or "size" (both, paired)."""
    widths, depths = {w for w, _ in scales}, {d for _, d in scales}
    if len(depths) == 1:
        return "width"
    if len(widths) == 1:
        return "depth"
    if len(scales) == len(widths) == len(depths) and sorted(scales) == sorted(scales, key=lambda wd: wd[1]):
        return "size"
    raise MuPError(f"The runs' (width, depth) scales {sorted(scales)} are neither one width, one depth, nor "
                   "widths paired with growing depths (sweep --paired): report each transfer from its own results.")


def scale_label(scale, axis: str) -> str:
    width, depth = scale
    return {"width": f"width {width}", "depth": f"depth {depth}"}.get(axis, f"width {width}, depth {depth}")


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
    for arch, name, values in mixed_settings(records):
        raise MuPError(f"{source} mixes runs of different sweep configurations: {arch} runs have {name} in "
                       f"{values}. Report each configuration from its own results file (sweep --results); "
                       "only the scale, log2_lr, init_std and the multipliers may vary within one.")
    for arch in sorted({r["arch"] for r in records}):
        runs = [r for r in records if r["arch"] == arch]
        for param in sorted({r["param"] for r in runs}):
            scale_axis({_scale(r) for r in runs if r["param"] == param})


def mixed_settings(runs) -> list:
    """(arch, setting, its values) for every setting that must be one per architecture and is not: runs are
    records or ``RunConfig`` fields as dicts."""
    mixed = []
    for arch in sorted({r["arch"] for r in runs}):
        for name in _FIXED:
            values = sorted({r.get(name, RunConfig.__dataclass_fields__[name].default) for r in runs
                             if r["arch"] == arch})
            if len(values) > 1:
                mixed.append((arch, name, values))
    return mixed


def curves(records) -> dict:
    """{(arch, param, hp): {(width, depth): {log2 value: [loss per seed]}}} for every HP the records vary."""
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
    """{(width, depth): {log2 value: [loss per seed]}}: the slice at the centre, or the best over the other HPs."""
    by_point = defaultdict(list)  # (scale, value, other HPs) -> [(seed, loss)]
    for r, s in zip(group, settings):
        others = tuple(s[n] for n in swept if n != hp)
        if full_grid or all(s[n] == centre[n] for n in swept if n != hp):
            by_point[(_scale(r), _log2(hp, s[hp]), others)].append((r["seed"], _loss(r)))
    best = {}
    for (scale, value, _), seed_losses in by_point.items():
        losses = [loss for _, loss in sorted(seed_losses)]
        mean = float(np.mean(losses))
        if (scale, value) not in best or mean < best[(scale, value)][0]:
            best[(scale, value)] = (mean, losses)
    out = defaultdict(dict)
    for (scale, value), (_, losses) in best.items():
        out[scale][value] = losses
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
    """Optima per scale and the transfer verdicts, keyed ``"<arch> <param> <hp>"``."""
    check_one_sweep(records)
    unigram = {r["arch"]: r["unigram_loss"] for r in records if r.get("unigram_loss") is not None}
    summary = {}
    for (arch, param, hp), by_scale in sorted(curves(records).items()):
        rows, best_losses, means, optima = [], [], {}, []
        axis = scale_axis(set(by_scale))
        rows_key, falls_with, better = AXES[axis]
        # grid steps count over every value any scale measured: a wide model's LRs may sit further down
        grid = sorted(set.union(*(set(by_value) for by_value in by_scale.values())))
        for scale in sorted(by_scale):
            values = sorted(by_scale[scale])
            seed_losses = [by_scale[scale][v] for v in values]
            mean = [float(np.mean(v)) if all(map(math.isfinite, v)) else math.inf for v in seed_losses]
            means[scale] = dict(zip(values, mean))
            best, best_loss, i = _argmin(values, mean)
            per_seed = [float(_argmin(values, [v[s] for v in seed_losses])[0])
                        for s in range(min(len(v) for v in seed_losses))]
            steps = [grid.index(v) for v in per_seed]
            finite = [v for v in seed_losses[i] if math.isfinite(v)]
            rows.append({"width": scale[0], "depth": scale[1], "best_log2": best, "best_loss": best_loss,
                         "parabola_log2": _parabola_vertex(values, mean, i), "seed_optima_log2": per_seed,
                         "seeds_agree": bool(steps) and max(steps) - min(steps) <= 1,
                         "seed_spread_at_optimum": max(finite) - min(finite) if finite else math.inf})
            best_losses.append(best_loss)
            optima.append(best)
        optimum_steps = [grid.index(v) for v in optima]
        largest = means[max(means)]
        at_base_optimum = largest.get(optima[0])  # the smallest scale's optimum, used at the largest (None: not run)
        spread = max(r["seed_spread_at_optimum"] for r in rows)
        summary[f"{arch} {param} {hp}"] = {
            "arch": arch, "param": param, "hp": hp, "axis": axis, rows_key: rows,
            "optimum_shift_steps": max(optimum_steps) - min(optimum_steps),
            f"best_loss_falls_with_{falls_with}": all(a > b for a, b in zip(best_losses, best_losses[1:])),
            **_bigger_is_better_near_optimum(means, optima, grid, better),
            "largest_loss_at_base_optimum": at_base_optimum,
            # what transferring the HP costs at the largest scale
            "transfer_gap": None if at_base_optimum is None else at_base_optimum - best_losses[-1],
            "unigram_loss": unigram.get(arch), "margin_below_unigram":
                unigram[arch] - max(best_losses) if arch in unigram else None,
            "seed_spread_at_optimum": spread,
            "best_losses_apart_beyond_seed_spread": all(abs(a - b) > spread for a, b in zip(best_losses, best_losses[1:])),
        }
    return summary


def _bigger_is_better_near_optimum(means: dict, optima: list, grid: list, better: str = "wider") -> dict:
    """At each value within one grid step of some scale's optimum, does the loss fall with every scale step?

    A value is judged over the scales that measured it (at least two of them)."""
    measured = {v: [scale for scale in sorted(means) if v in means[scale]] for v in grid}
    near = [v for i, v in enumerate(grid) if len(measured[v]) > 1
            and any(abs(i - grid.index(best)) <= 1 for best in optima)]
    exceptions = [v for v in near
                  if not all(means[a][v] > means[b][v] for a, b in zip(measured[v], measured[v][1:]))]
    return {"values_near_optimum_log2": near, f"{better}_better_near_optimum": not exceptions,
            f"values_where_{better}_is_not_better_log2": exceptions}


_LABELS = {"log2_lr": "log2 learning rate", "init_std": "log2 init std (base model)",
           "output_mult": "log2 output multiplier", "attn_mult": "log2 attention multiplier",
           "input_mult": "log2 input multiplier"}


def plot_sweep(records, path, title: str = "muP transfer"):
    """TP V's layout: one column per swept HP, one row per (arch, parametrization: SP above muP),
    loss against log2 of the HP, one curve per width or depth (seed mean), each one's optimum starred."""
    table = curves(records)
    hps = [hp for hp in HPARAMS if any(key[2] == hp for key in table)]
    rows = sorted({(arch, param) for arch, param, _ in table}, key=lambda ap: (ap[0], list(_PARAM_NAMES).index(ap[1])))
    fig, axes = plt.subplots(len(rows), len(hps), figsize=(4.6 * len(hps), 3.6 * len(rows)), squeeze=False)
    finite = [v for by_w in table.values() for by_v in by_w.values() for vs in by_v.values() for v in vs
              if math.isfinite(v)]
    low, high = (min(finite), min(max(finite), min(finite) + 2.5)) if finite else (0, 1)
    for r, (arch, param) in enumerate(rows):
        for c, hp in enumerate(hps):
            ax = axes[r][c]
            by_scale = table.get((arch, param, hp), {})
            axis = scale_axis(set(by_scale)) if by_scale else "width"
            colors = plt.get_cmap("viridis")(np.linspace(0, 0.9, max(len(by_scale), 1)))
            for color, scale in zip(colors, sorted(by_scale)):
                values = sorted(by_scale[scale])
                mean = [np.mean(by_scale[scale][v]) if all(map(math.isfinite, by_scale[scale][v])) else np.nan
                        for v in values]
                ax.plot(values, mean, marker="o", markersize=3, color=color, label=scale_label(scale, axis))
                if np.isfinite(mean).any():
                    i = int(np.nanargmin(mean))
                    ax.plot(values[i], mean[i], marker="*", markersize=12, color=color)
            ax.set_ylim(low - 0.05, high)
            ax.set_xlabel(_LABELS[hp])
            ax.set_ylabel("held-out loss")
            ax.set_title(f"{arch}: {_PARAM_NAMES[param]}", fontsize=10)
            if by_scale:
                ax.legend(fontsize=7)
    fig.suptitle(title)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path
