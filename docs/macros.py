"""Tables of the evidence pages, rendered from the experiments' results files at build time (mkdocs-macros):
a page writes ``{{ optima_table("lr_transfer_gpt2") }}`` where it would otherwise type the numbers, so a number of
such a table exists only in its results file. The analysis is `mutransformers sweep-report`'s (sweep.analyze)."""
from pathlib import Path

from mutransformers import sweep as sw
from mutransformers.sweep.experiment import Experiment
from mutransformers.sweep.report import curves as sweep_curves

EXPERIMENTS = Path(__file__).resolve().parents[1] / "experiments"
NAMES = {"mup": "muP", "sp": "SP", "completep": "CompleteP", "depth_mup": "depth-muP"}


def _minus(value: float, digits: int = 0) -> str:
    return f"{value:.{digits}f}".replace("-", "−") if digits else f"{value:g}".replace("-", "−")


def _steps(n: int) -> str:
    return f"{n} grid step{'' if n == 1 else 's'}"


def optima_table(experiment: str, results: str = "results.jsonl", hp: str = "log2_lr") -> str:
    """Per parametrization: the optimum per width (each seed's in brackets) and its shift, the parabola's vertex
    and how far it moves, and the best held-out loss, which should fall with every doubling."""
    analysis = sw.analyze(_records(experiment, results))
    series = [s for s in analysis.values() if s["hp"] == hp]
    widths = [r["width"] for r in series[0]["widths"]]
    label = "log2 LR" if hp == "log2_lr" else f"log2 {hp}"
    lines = ["| | " + " | ".join([f"width {widths[0]}", *map(str, widths[1:])]) + " | optimum shift |",
             "|---|" + "---|" * (len(widths) + 1)]
    for s in sorted(series, key=lambda s: list(NAMES).index(s["param"])):
        name, rows = NAMES[s["param"]], s["widths"]
        seeds = len(rows[0]["seed_optima_log2"])
        optima = [_minus(r["best_log2"]) + (" (" + ", ".join(_minus(v) for v in r["seed_optima_log2"]) + ")"
                                            if seeds > 1 else "") for r in rows]
        vertices = [r["parabola_log2"] for r in rows]
        losses = [r["best_loss"] for r in rows]
        falls = [b["width"] for a, b in zip(rows, rows[1:]) if b["best_loss"] >= a["best_loss"]]
        seed_label = " (" + ", ".join(f"seed {i}" for i in range(seeds)) + ")" if seeds > 1 else ""
        lines += [f"| {name}: optimal {label}{seed_label} | " + " | ".join(optima)
                  + f" | **{_steps(s['optimum_shift_steps'])}** |",
                  f"| {name}: parabola vertex, {label} | "  # the vertex is the optimum itself at the grid's edge
                  + " | ".join(_minus(r["parabola_log2"], 2) + (" (grid edge)" if r["parabola_log2"] == r["best_log2"]
                                                                 else "") for r in rows)
                  + f" | {abs(vertices[0] - vertices[-1]):.2f} |",
                  f"| {name}: best held-out loss | " + " | ".join(f"{v:.3f}" for v in losses) + " | "
                  + ("falls with width" if not falls else "**does not fall** at " + ", ".join(map(str, falls)))
                  + " |"]
    return "\n".join(lines)


def loss_table(experiment: str, results: str = "results.jsonl", hp: str = "log2_lr") -> str:
    """The held-out loss (seed mean) of every run, per parametrization and width (rows) and swept value
    (columns; — not run), each row's optimum in bold, and the optimum with each seed's (or, with one seed, the
    parabola's vertex)."""
    records = _records(experiment, results)
    analysis = {(s["param"], s["hp"]): s for s in sw.analyze(records).values()}
    curves = {(param, h): by_scale for (_, param, h), by_scale in sweep_curves(records).items()}
    params = sorted({param for param, h in curves if h == hp}, key=list(NAMES).index)
    values = sorted({v for param in params for by_value in curves[(param, hp)].values() for v in by_value})
    seeds = len(next(iter(analysis.values()))["widths"][0]["seed_optima_log2"])
    label = "log2 LR" if hp == "log2_lr" else f"log2 {hp}"
    lines = [f"| {label} | " + " | ".join(_minus(v) for v in values)
             + f" | optimum ({'seeds' if seeds > 1 else 'vertex'}) |", "|---|" + "---|" * (len(values) + 1)]
    for param in params:
        for row in analysis[(param, hp)]["widths"]:
            by_value = curves[(param, hp)][(row["width"], row["depth"])]
            cells = []
            for v in values:
                mean = sum(by_value[v]) / len(by_value[v]) if v in by_value else None
                cell = "—" if mean is None else f"{mean:.3f}"
                cells.append(f"**{cell}**" if v == row["best_log2"] else cell)
            detail = (", ".join(_minus(v) for v in row["seed_optima_log2"]) if seeds > 1
                      else _minus(row["parabola_log2"], 2))
            lines.append(f"| {NAMES[param]}, width {row['width']} | " + " | ".join(cells)
                         + f" | {_minus(row['best_log2'])} ({detail}) |")
    return "\n".join(lines)


FRACTIONS = {-3: "⅛", -2: "¼", -1: "½"}


def _times(log2_ratio: float) -> str:
    """A multiplier relative to its default as the pages write it: ×¼, ×1, ×8."""
    k = round(log2_ratio)
    return "×" + (FRACTIONS[k] if k in FRACTIONS else f"{2 ** k:g}")


def hp_table(experiment: str, results: str = "results.jsonl", param: str = "mup", details: bool = False) -> str:
    """TP V Fig. 4 as a table: each HP swept one at a time (the others at the centre), the held-out loss (seed
    mean) per width and value relative to its default, each width's optimum in bold, the optima and their shift;
    with ``details``, each optimum's parabola vertex (log2) and what width 64's optimum costs the widest."""
    records = _records(experiment, results)
    analysis = {(s["param"], s["hp"]): s for s in sw.analyze(records).values()}
    curves = {(p, h): by_scale for (_, p, h), by_scale in sweep_curves(records).items()}
    hps = [h for h in ("init_std", "output_mult", "input_mult", "attn_mult") if (param, h) in analysis]
    centres = {h: _centre_log2(records, param, h) for h in hps}
    offsets = sorted({round(v - centres[h]) for h in hps for by_value in curves[(param, h)].values() for v in by_value})
    extra = " (vertex, log2) | shift | width 64's optimum costs the widest |" if details else " | shift |"
    lines = ["| HP | width | " + " | ".join(_times(o) for o in offsets) + " | optimum per width" + extra,
             "|---|---|" + "---|" * (len(offsets) + 2 + details)]
    for h in hps:
        rows = analysis[(param, h)]["widths"]
        optima = ", ".join(_times(r["best_log2"] - centres[h]) for r in rows)
        if details:
            optima += " (" + ", ".join(_minus(r["parabola_log2"], 2) for r in rows) + ")"
        shift = analysis[(param, h)]["optimum_shift_steps"]
        gap = analysis[(param, h)]["transfer_gap"]
        for i, row in enumerate(rows):
            by_value = curves[(param, h)][(row["width"], row["depth"])]
            cells = []
            for o in offsets:
                value = next((v for v in by_value if round(v - centres[h]) == o), None)
                cell = "—" if value is None else f"{sum(by_value[value]) / len(by_value[value]):.3f}"
                cells.append(f"**{cell}**" if value == row["best_log2"] else cell)
            tail = (f" {optima} | **{_steps(shift)}** |" + (f" {gap:.3f} |" if details else "")) if i == 0 \
                else " | |" + (" |" if details else "")
            lines.append(f"| {'`' + h + '`' if i == 0 else ''} | {row['width']} | " + " | ".join(cells) + " |" + tail)
    return "\n".join(lines)


def grid_table(experiment: str, hp: str, results: str = "results.jsonl", param: str = "mup") -> str:
    """One multiplier swept on a grid: the held-out loss (seed mean) per width and value, each width's optimum
    in bold, and the optimum with each seed's and the parabola's vertex (log2)."""
    records = _records(experiment, results)
    (series,) = [s for s in sw.analyze(records).values() if (s["param"], s["hp"]) == (param, hp)]
    (by_scale,) = [c for (_, p, h), c in sweep_curves(records).items() if (p, h) == (param, hp)]
    values = sorted({v for by_value in by_scale.values() for v in by_value})
    lines = ["| width | " + " | ".join(_times(v) for v in values) + " | optimum (each seed; vertex, log2) |",
             "|---|" + "---|" * (len(values) + 1)]
    for row in series["widths"]:
        by_value = by_scale[(row["width"], row["depth"])]
        cells = []
        for v in values:
            cell = "—" if v not in by_value else f"{sum(by_value[v]) / len(by_value[v]):.3f}"
            cells.append(f"**{cell}**" if v == row["best_log2"] else cell)
        seeds = ", ".join(_times(v) for v in row["seed_optima_log2"])
        lines.append(f"| {row['width']} | " + " | ".join(cells)
                     + f" | {_times(row['best_log2'])} ({seeds}; {_minus(round(row['parabola_log2'], 2), 2)}) |")
    return "\n".join(lines)


def depth_table(columns: list) -> str:
    """Depth transfer side by side: per depth, each column's optimum / parabola vertex / best loss (seed mean);
    a column is [experiment, arch, param, label]."""
    cells, depths = [], None
    for experiment, arch, param, label in columns:
        series = sw.analyze(_records(experiment, "results.jsonl"))[f"{arch} {param} log2_lr"]
        depths = depths or [r["depth"] for r in series["depths"]]
        cells.append({r["depth"]: f"{_minus(r['best_log2'])} / {_minus(r['parabola_log2'], 2)} / {r['best_loss']:.3f}"
                      for r in series["depths"]})
    lines = ["| depth | " + " | ".join(label for *_, label in columns) + " |", "|---|" + "---|" * len(columns)]
    lines += [f"| {d} | " + " | ".join(c[d] for c in cells) + " |" for d in depths]
    return "\n".join(lines)


def joint_table(experiment: str, param: str = "completep") -> str:
    """A joint width-and-depth transfer: the held-out loss (seed mean) per LR of the base and the target, each
    one's optimum in bold, and the optimum / parabola vertex."""
    records = _records(experiment, "results.jsonl")
    (series,) = [s for s in sw.analyze(records).values() if s["param"] == param]
    (by_scale,) = [c for (_, p, h), c in sweep_curves(records).items() if (p, h) == (param, "log2_lr")]
    values = sorted({v for by_value in by_scale.values() for v in by_value})
    lines = ["| log2 LR | " + " | ".join(_minus(v) for v in values) + " | optimum / vertex |",
             "|---|" + "---|" * (len(values) + 1)]
    for row, name in zip(series["sizes"], ("base", "target")):
        by_value = by_scale[(row["width"], row["depth"])]
        cells = [("**{:.3f}**" if v == row["best_log2"] else "{:.3f}").format(sum(by_value[v]) / len(by_value[v]))
                 if v in by_value else "—" for v in values]
        lines.append(f"| {name} ({row['width']}, {row['depth']}) | " + " | ".join(cells)
                     + f" | {_minus(row['best_log2'])} / {_minus(row['parabola_log2'], 2)} |")
    return "\n".join(lines)


def calibration_table(results: str = "results.json") -> str:
    """The coordinate check's calibration (experiments/coord_check_calibration/<results>) as its script renders it:
    per variant and architecture the largest size slope, the change slopes and the verdict."""
    import importlib.util
    import json
    folder = EXPERIMENTS / "coord_check_calibration"
    spec = importlib.util.spec_from_file_location("calibration", folder / "coord_check_calibration.py")
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    return script.markdown(json.loads((folder / results).read_text()))


def _centre_log2(records, param: str, hp: str) -> float:
    """The HP's default (log2) in a one-at-a-time sweep: the value most of the runs hold."""
    import math
    from collections import Counter
    values = Counter(r[hp] for r in records if r["param"] == param)
    return math.log2(values.most_common(1)[0][0])


def _records(experiment: str, results: str) -> list:
    """A results file of the experiment, or a set of records its claims.py names (``record_sets``: runs of
    several files read together, or a slice of one)."""
    if not results.endswith(".jsonl"):
        return Experiment(EXPERIMENTS / experiment).record_set(results)
    path = EXPERIMENTS / experiment / results
    if not path.is_file():
        raise FileNotFoundError(f"no results file {path} (an experiment is a folder of experiments/)")
    return sw.load(path)


def define_env(env):
    env.macro(optima_table)
    env.macro(loss_table)
    env.macro(hp_table)
    env.macro(grid_table)
    env.macro(depth_table)
    env.macro(joint_table)
    env.macro(calibration_table)

    @env.macro
    def n(name: str, experiment: str | None = None) -> str:
        """A number the page quotes, computed from the results by the experiment's claims.py (the page's
        ``experiment:`` front matter, or the one named)."""
        experiment = experiment or env.page.meta.get("experiment")
        if experiment not in _EXPERIMENTS:
            _EXPERIMENTS[experiment] = Experiment(EXPERIMENTS / experiment).numbers()
        numbers = _EXPERIMENTS[experiment]
        if name not in numbers:
            raise KeyError(f"experiments/{experiment}/claims.py has no number {name!r}; it has {sorted(numbers)}")
        return numbers[name]


_EXPERIMENTS: dict = {}  # numbers per experiment, computed once per build
