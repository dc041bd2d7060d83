"""Sweep analysis and the TP V Fig. 1 figure.

For each (arch, parametrization, width): the optimal log2 LR (grid argmin of the seed-mean held-out
loss, and the vertex of a parabola fitted through the argmin and its two neighbours), per-seed
optima, the optimum's shift in grid steps across widths, whether the best loss falls with width, and
whether wider is better at every LR near the optimum (within one grid step of some width's optimum).
Diverged runs count as infinite loss.
"""
import math
from collections import defaultdict

import numpy as np

from ..coord_check.plot import plt  # matplotlib with the Agg backend


def _loss(record) -> float:
    loss = record.get("eval_loss")
    return math.inf if record.get("diverged") or loss is None or not math.isfinite(loss) else loss


def curves(records) -> dict:
    """{(arch, param): {width: {log2_lr: [loss per seed]}}}."""
    table = defaultdict(lambda: defaultdict(lambda: defaultdict(list)))
    for r in records:
        table[(r["arch"], r["param"])][r["width"]][r["log2_lr"]].append(_loss(r))
    return table


def _argmin(lrs, losses):
    i = int(np.argmin(losses))
    return lrs[i], losses[i], i


def _parabola_vertex(lrs, losses, i) -> float:
    if 0 < i < len(lrs) - 1 and all(math.isfinite(v) for v in losses[i - 1:i + 2]):
        a, b, _ = np.polyfit(lrs[i - 1:i + 2], losses[i - 1:i + 2], 2)
        if a > 0:
            return float(-b / (2 * a))
    return float(lrs[i])


def analyze(records) -> dict:
    """Optima per width and the transfer verdicts, per (arch, param)."""
    summary = {}
    for (arch, param), by_width in sorted(curves(records).items()):
        rows, best_losses, means = [], [], {}
        for width in sorted(by_width):
            lrs = sorted(by_width[width])
            seed_losses = [by_width[width][lr] for lr in lrs]
            mean = [float(np.mean(v)) if all(map(math.isfinite, v)) else math.inf for v in seed_losses]
            means[width] = dict(zip(lrs, mean))
            best_lr, best_loss, i = _argmin(lrs, mean)
            per_seed = [float(_argmin(lrs, [v[s] for v in seed_losses])[0])
                        for s in range(min(len(v) for v in seed_losses))]
            rows.append({"width": width, "best_log2_lr": best_lr, "best_loss": best_loss,
                         "parabola_log2_lr": _parabola_vertex(lrs, mean, i), "seed_optima": per_seed,
                         "seeds_agree": max(per_seed) - min(per_seed) <= 1.0 if per_seed else False})
            best_losses.append(best_loss)
        optima = [r["best_log2_lr"] for r in rows]
        summary[f"{arch} {param}"] = {
            "widths": rows,
            "optimum_shift_steps": max(optima) - min(optima),
            "best_loss_falls_with_width": all(a > b for a, b in zip(best_losses, best_losses[1:])),
            **_wider_is_better_near_optimum(means, optima),
        }
    return summary


def _wider_is_better_near_optimum(means: dict, optima: list) -> dict:
    """At each LR within one grid step of some width's optimum, does the loss fall with every width step?"""
    lrs = sorted(set.intersection(*(set(by_lr) for by_lr in means.values())))
    step = min(np.diff(lrs)) if len(lrs) > 1 else 1.0
    near = [lr for lr in lrs if any(abs(lr - best) <= step + 1e-9 for best in optima)]
    widths = sorted(means)
    exceptions = [lr for lr in near if not all(means[a][lr] > means[b][lr] for a, b in zip(widths, widths[1:]))]
    return {"lrs_near_optimum": near, "wider_better_near_optimum": not exceptions,
            "lrs_where_wider_is_not_better": exceptions}


def plot_sweep(records, path, title: str = "LR transfer"):
    """Loss against log2 LR, one curve per width (seed mean), SP and muP side by side, per arch."""
    table = curves(records)
    archs = sorted({arch for arch, _ in table})
    params = [p for p in ("sp", "mup") if any((a, p) in table for a in archs)]
    fig, axes = plt.subplots(len(archs), len(params), figsize=(5.5 * len(params), 4 * len(archs)), squeeze=False)
    finite = [v for by_w in table.values() for by_lr in by_w.values() for vs in by_lr.values() for v in vs
              if math.isfinite(v)]
    low, high = (min(finite), min(max(finite), min(finite) + 2.5)) if finite else (0, 1)
    for r, arch in enumerate(archs):
        for c, param in enumerate(params):
            ax = axes[r][c]
            by_width = table.get((arch, param), {})
            colors = plt.get_cmap("viridis")(np.linspace(0, 0.9, max(len(by_width), 1)))
            for color, width in zip(colors, sorted(by_width)):
                lrs = sorted(by_width[width])
                mean = [np.mean(by_width[width][lr]) if all(map(math.isfinite, by_width[width][lr])) else np.nan
                        for lr in lrs]
                ax.plot(lrs, mean, marker="o", markersize=3, color=color, label=f"width {width}")
                if np.isfinite(mean).any():
                    i = int(np.nanargmin(mean))
                    ax.plot(lrs[i], mean[i], marker="*", markersize=12, color=color)
            ax.set_ylim(low - 0.05, high)
            ax.set_xlabel("log2 learning rate")
            ax.set_ylabel("held-out loss")
            ax.set_title(f"{arch}: {'muP' if param == 'mup' else 'standard parametrization'}")
            ax.legend(fontsize=8)
    fig.suptitle(title)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path
