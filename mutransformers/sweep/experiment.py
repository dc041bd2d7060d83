"""An experiment's replayable configuration: ``experiments/<id>/experiment.json``.

An experiment is one results file and the ``mutransformers sweep`` arguments that produced it, kept as
argument lists so that they are exactly what was run. A sweep that ran in parts (width 512 only near
the optima, a second seed later) lists each part; ``mutransformers sweep --config FILE`` replays them in
order, finished runs skipped, so replaying a complete experiment trains nothing and a partial one
resumes. ``--data``, ``--workers`` and ``--storage`` are left out of the file: they name the machine, not
the experiment, and are given on the command line (without ``--data``, WikiText-2 is loaded through
``datasets``).

    {"title": "...", "results": "results.jsonl", "parts": [["--archs", "gpt2", "--widths", "64", ...], ...]}
"""
import importlib.util
import json
from functools import cached_property
from pathlib import Path

from ..core.errors import MuPError

MACHINE_OPTIONS = ("--data", "--workers", "--storage", "--study", "--heartbeat", "--results")


def load(path) -> tuple[Path, list[list[str]]]:
    """(the results file, resolved beside the config; each part's sweep arguments)."""
    path = Path(path)
    try:
        config = json.loads(path.read_text(encoding="utf-8"))
        parts, results = config["parts"], config["results"]
    except FileNotFoundError:
        raise MuPError(f"--config {path}: no such file; experiments keep theirs at experiments/<id>/experiment.json.")
    except (json.JSONDecodeError, KeyError, TypeError) as error:
        raise MuPError(f"--config {path}: not an experiment file ({error!r}); it holds a JSON object with "
                       f"'results' (a file name beside it) and 'parts' (lists of sweep arguments).") from error
    for part in parts:
        named = [a for a in part if a in MACHINE_OPTIONS]
        if named:
            raise MuPError(f"--config {path}: a part names {named}; those belong on the command line, not in "
                           "the experiment (results: the file's 'results' field).")
    return path.parent / results, [[str(a) for a in part] for part in parts]


def write(path, title: str, parts: list[list[str]], results: str = "results.jsonl"):
    """Writes an experiment file, one part per line, so a diff shows which part changed."""
    lines = ",\n  ".join(json.dumps(part) for part in parts)
    Path(path).write_text(f'{{"title": {json.dumps(title)},\n "results": {json.dumps(results)},\n'
                          f' "parts": [\n  {lines}\n ]}}\n', encoding="utf-8")


def minus(value) -> str:
    """A number as the pages print it: the shortest form, with a true minus sign (−6, −6.5)."""
    return f"{value:g}".replace("-", "−")


def fixed(value, digits: int = 2) -> str:
    """A number to ``digits`` decimals, with a true minus sign (−7.50)."""
    return f"{value:.{digits}f}".replace("-", "−")


class Experiment:
    """An ``experiments/<id>/`` folder: its results, their analysis (``sweep.analyze``, as sweep-report computes
    it), and the claims its ``claims.py`` makes about them.

    ``claims.py`` defines ``numbers(experiment) -> {name: text}``, every number the documentation quotes, as the
    page prints it (pages write ``{{ n("name") }}``), and ``verdicts(experiment) -> {statement: bool}``, every claim
    made in words; ``tests/test_claims.py`` holds each verdict true on the committed results."""

    def __init__(self, folder):
        self.folder = Path(folder)
        self.id = self.folder.name

    def load(self, name: str = "results.jsonl") -> list:
        """A results file of this experiment (or, as ``../<id>/results.jsonl``, of another)."""
        from .results import load
        path = self.folder / name
        if not path.is_file():
            raise MuPError(f"experiment {self.id}: no results file {path}.")
        return load(path)

    @cached_property
    def records(self) -> list:
        return self.load()

    @cached_property
    def analysis(self) -> dict:
        from .report import analyze
        return analyze(self.records)

    def series(self, arch: str, param: str, hp: str = "log2_lr") -> dict:
        """One parametrization's analysis: its per-width optima, shift, wider-is-better, ..."""
        return self.analysis[f"{arch} {param} {hp}"]

    def curve(self, param: str, width: int, hp: str = "log2_lr", records: list | None = None) -> dict:
        """{log2 value: held-out loss averaged over its seeds} along one HP at one width (in a one-at-a-time
        sweep, the other HPs at their centre), as the analysis sees it; of ``records`` (a record set) where given,
        else of the results file."""
        from .report import curves
        by_hp = curves(self.records if records is None else records).items()
        (by_scale,) = [c for (_, p, h), c in by_hp if (p, h) == (param, hp)]
        (by_value,) = [by_value for (w, _), by_value in by_scale.items() if w == width]
        return {value: sum(losses) / len(losses) for value, losses in by_value.items()}

    def seed_mean(self, param: str, width: int, value: float, hp: str = "log2_lr") -> float:
        """The held-out loss at one point, averaged over its seeds (``value`` in log2, as the analysis keeps it)."""
        return self.curve(param, width, hp)[value]

    @cached_property
    def claims(self):
        """The experiment's claims.py as a module, or None where it has none."""
        path = self.folder / "claims.py"
        if not path.is_file():
            return None
        spec = importlib.util.spec_from_file_location(f"claims_{self.id}", path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return module

    def record_set(self, name: str) -> list:
        """Records its claims.py names in ``record_sets(experiment)`` (several files read together, a slice)."""
        sets = self.claims.record_sets(self) if self.claims and hasattr(self.claims, "record_sets") else {}
        if name not in sets:
            raise MuPError(f"experiment {self.id}: no record set {name!r}; claims.py's record_sets gives {sorted(sets)}.")
        return sets[name]

    def numbers(self) -> dict:
        return self.claims.numbers(self) if self.claims else {}

    def verdicts(self) -> dict:
        return self.claims.verdicts(self) if self.claims else {}
