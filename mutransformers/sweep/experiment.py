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
import json
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
