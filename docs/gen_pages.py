"""Pages generated at build time (mkdocs-gen-files): one page per experiment folder, the CLI reference, and
the results files and notebooks the pages link to, copied into the site. Nothing here is committed twice:
the numbers on an experiment's page are recomputed from its results files, as `mutransformers sweep-report`
computes them."""
import os
from pathlib import Path

import mkdocs_gen_files

ROOT = Path(__file__).resolve().parents[1]
EXPERIMENTS = ROOT / "experiments"


def _copy(path: Path):
    with mkdocs_gen_files.open(path.relative_to(ROOT).as_posix(), "wb") as out:
        out.write(path.read_bytes())


def _analysis_table(results: Path) -> list[str]:
    """A results file's analysis (``sweep.analyze``, as sweep-report computes it) as a table: the optimum per
    width (or depth), its shift, larger-is-better, and what the smallest scale's optimum costs the largest."""
    from mutransformers import sweep as sw
    try:
        report = sw.analyze(sw.load(results))
    except Exception:  # not a sweep's results (a benchmark's rows): listed, not tabulated
        return []
    lines = ["| sweep | optimum (log2) per scale | shift (grid steps) | better when larger, near the optimum | "
             "smallest scale's optimum costs the largest (nats) |", "|---|---|---|---|---|"]
    for name, s in report.items():
        rows_key, falls_with, better = sw.AXES[s["axis"]]
        optima = ", ".join(f"{sw.scale_label((r['width'], r['depth']), s['axis'])}: {r['best_log2']:g}"
                           for r in s[rows_key])
        gap = "–" if s["transfer_gap"] is None else f"{s['transfer_gap']:.3f}"
        lines.append(f"| {name} | {optima} | {s['optimum_shift_steps']} | {s[f'{better}_better_near_optimum']} "
                     f"| {gap} |")
    return lines


def experiment_page(folder: Path) -> str:
    files = sorted(p for p in folder.rglob("*") if p.is_file())
    text = [f"# Experiment `{folder.name}`", "",
            f"Everything under `experiments/{folder.name}/` in the repository. The evidence pages state what it "
            "shows; this page lists its files and, for each sweep's results file, the optima they hold.", ""]
    for path in files:
        if path.suffix == ".jsonl" and (table := _analysis_table(path)):
                text += [f"## `{path.relative_to(folder)}`", "", *table, ""]
    for path in files:
        if path.suffix == ".png":
            text += [f"![{path.name}]({path.relative_to(folder).as_posix()})", ""]
    text += ["## Files", ""] + [f"- [`{p.relative_to(folder).as_posix()}`]({p.relative_to(folder).as_posix()}) "
                                f"({p.stat().st_size / 1024:.0f} KiB)" for p in files]
    return "\n".join(text) + "\n"


def experiment_pages():
    folders = sorted(p for p in EXPERIMENTS.iterdir() if p.is_dir())
    for folder in folders:
        for path in folder.rglob("*"):
            if path.is_file():
                _copy(path)
        with mkdocs_gen_files.open(f"experiments/{folder.name}/index.md", "w") as page:
            page.write(experiment_page(folder))
    with mkdocs_gen_files.open("experiments/index.md", "w") as index:
        index.write("# Every experiment\n\nOne folder per experiment under `experiments/`; each page lists its "
                    "files and the optima its results hold.\n\n"
                    + "\n".join(f"- [`{f.name}`]({f.name}/index.md)" for f in folders) + "\n")


def cli_reference():
    os.environ["COLUMNS"] = "110"  # argparse wraps help at the terminal's width: fixed, so the page is stable
    from mutransformers.cli import build_parser
    parser = build_parser()
    (commands,) = [a for a in parser._actions if a.dest == "command"]  # argparse keeps subparsers only here
    text = ["# Command line", "", "Generated from the argument parser (`mutransformers <command> --help`).", "",
            "```text", parser.format_help().rstrip(), "```", ""]
    for name, sub in commands.choices.items():
        text += [f"## `mutransformers {name}`", "", "```text", sub.format_help().rstrip(), "```", ""]
    with mkdocs_gen_files.open("reference/cli.md", "w") as page:
        page.write("\n".join(text))


def notebooks():
    for path in sorted((ROOT / "notebooks").glob("*.ipynb")):
        _copy(path)


experiment_pages()
cli_reference()
notebooks()
