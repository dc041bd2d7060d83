"""The TP V coordinate-check figure: activation size against width, one panel per (variant, step)."""
from collections import defaultdict

import matplotlib

matplotlib.use("Agg")  # files only: no display needed
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

_TITLES = {"sp": "standard parametrization", "mup": "muP", "mup_attn_sqrt_d": "muP, 1/sqrt(d) attention",
           "mup_linear_readout": "muP, plain Linear readout"}


def _by_kind(rows, step, metric):
    """{kind: (widths, mean size over the modules of that kind)}."""
    sizes = defaultdict(lambda: defaultdict(list))
    for row in rows:
        if row["step"] == step:
            sizes[row["kind"]][row["width"]].append(row[metric])
    return {kind: (sorted(by_width), [np.mean(by_width[w]) for w in sorted(by_width)])
            for kind, by_width in sorted(sizes.items())}


def plot_coords(results: dict, path, title: str = "", metric: str = "rms", max_panels: int = 4):
    """``results``: {variant: (rows, CoordCheckResult)}. Writes a PNG with one row per variant."""
    steps = sorted({row["step"] for rows, _ in results.values() for row in rows})
    shown = [steps[i] for i in np.unique(np.linspace(0, len(steps) - 1, min(max_panels, len(steps))).astype(int))]
    fig, axes = plt.subplots(len(results), len(shown), figsize=(3.2 * len(shown), 2.9 * len(results)),
                             squeeze=False, sharex=True)
    for r, (variant, (rows, verdict)) in enumerate(results.items()):
        for c, step in enumerate(shown):
            ax = axes[r][c]
            for kind, (widths, sizes) in _by_kind(rows, step, metric).items():
                ax.plot(widths, np.maximum(sizes, 1e-12), marker="o", markersize=3, label=kind)
            ax.set_xscale("log", base=2)
            ax.set_yscale("log")
            ax.set_title(f"{_TITLES.get(variant, variant)}\nstep {step}", fontsize=9)
            if c == 0:
                ax.set_ylabel(f"{metric} of activation\n({'PASS' if verdict.passed else 'FAIL'})")
            if r == len(results) - 1:
                ax.set_xlabel("width")
    kinds = sorted({row["kind"] for rows, _ in results.values() for row in rows})
    colors = dict(zip(kinds, plt.get_cmap("tab20").colors[::2] + plt.get_cmap("tab20").colors[1::2]))
    for ax in axes.flat:
        for line in ax.get_lines():
            line.set_color(colors[line.get_label()])
    handles, labels = axes[0][0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="center right", fontsize=8)
    fig.suptitle(title or "coordinate check", fontsize=11)
    fig.tight_layout(rect=(0, 0, 0.87, 1))
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path
