"""The TP V coordinate-check figure: activation size against width, one panel per (variant, step),
and below each variant's sizes its changes from initialization (coordinate check v2)."""
from collections import defaultdict

import matplotlib

matplotlib.use("Agg")  # files only: no display needed
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

_TITLES = {"sp": "standard parametrization", "mup": "muP", "mup_attn_sqrt_d": "muP, 1/sqrt(d) attention",
           "mup_linear_readout": "muP, plain Linear readout", "global_lr": "muP model, one global LR x base/width",
           "completep": "CompleteP (alpha = 1)", "depth_mup": "Depth-muP (alpha = 0.5)"}


def _by_kind(rows, step, metric, axis="width"):
    """{kind: (sizes along the axis, mean activation size over the modules of that kind)}."""
    sizes = defaultdict(lambda: defaultdict(list))
    for row in rows:
        if row["step"] == step:
            sizes[row["kind"]][row[axis]].append(row[metric])
    return {kind: (sorted(by_width), [np.mean(by_width[w]) for w in sorted(by_width)])
            for kind, by_width in sorted(sizes.items())}


def plot_coords(results: dict, path, title: str = "", metric: str = "rms", max_panels: int = 4, axis: str = "width"):
    """``results``: {variant: (rows, CoordCheckResult)}. Writes a PNG with a row of sizes per variant
    and, where the rows have ``change_rms``, a row of changes from initialization under it. ``axis``:
    "width", or "depth" for a depth family."""
    steps = sorted({row["step"] for rows, _ in results.values() for row in rows})
    shown = [steps[i] for i in np.unique(np.linspace(0, len(steps) - 1, min(max_panels, len(steps))).astype(int))]
    changed = [s for s in steps if s > 0]
    shown_changes = [changed[i] for i in
                     np.unique(np.linspace(0, len(changed) - 1, min(max_panels, len(changed))).astype(int))] if changed else []
    panel_rows = []  # (variant, metric, steps, verdict label)
    for variant, (rows, verdict) in results.items():
        sizes_ok = not verdict.worst
        panel_rows.append((variant, metric, shown, "PASS" if sizes_ok else "FAIL"))
        if shown_changes and any("change_rms" in row for row in rows):
            panel_rows.append((variant, "change_rms", shown_changes, "FAIL" if verdict.change_worst else "PASS"))
    columns = max(len(steps_) for _, _, steps_, _ in panel_rows)
    fig, axes = plt.subplots(len(panel_rows), columns, figsize=(3.2 * columns, 2.9 * len(panel_rows)),
                             squeeze=False, sharex=True)
    for r, (variant, shown_metric, shown_steps, label) in enumerate(panel_rows):
        rows = results[variant][0]
        for c in range(columns):
            ax = axes[r][c]
            if c >= len(shown_steps):
                ax.axis("off")
                continue
            step = shown_steps[c]
            for kind, (widths, sizes) in _by_kind(rows, step, shown_metric, axis).items():
                ax.plot(widths, np.maximum(sizes, 1e-12), marker="o", markersize=3, label=kind)
            ax.set_xscale("log", base=2)
            ax.set_yscale("log")
            what = "size" if shown_metric != "change_rms" else "change from init"
            ax.set_title(f"{_TITLES.get(variant, variant)}\n{what}, step {step}", fontsize=9)
            if c == 0:
                ylabel = f"{metric} of activation" if shown_metric != "change_rms" else "rms of x_t - x_0"
                ax.set_ylabel(f"{ylabel}\n({label})")
            if r == len(panel_rows) - 1:
                ax.set_xlabel(axis)
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
