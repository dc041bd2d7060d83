"""The append-only results file (JSON lines): one finished run per line, the sweep's memory.

A run is identified by its ``key`` (every field of its ``RunConfig``), so re-running a sweep skips
what is already there and an interrupted sweep loses at most the runs that were in flight.
"""
import json
import math
import os
from pathlib import Path


def load(path) -> list[dict]:
    """Every complete line of the file (a line cut short by a kill is ignored), first of each key."""
    path = Path(path)
    if not path.exists():
        return []
    records, seen = [], set()
    for line in path.read_text().splitlines():
        try:
            record = json.loads(line)
        except json.JSONDecodeError:
            continue
        if record.get("key") not in seen:
            seen.add(record.get("key"))
            records.append(record)
    return records


def finished_keys(path) -> set:
    return {record["key"] for record in load(path)}


def append(path, record: dict):
    """Appends one line and flushes it to disk before returning."""
    clean = {k: (None if isinstance(v, float) and not math.isfinite(v) else v) for k, v in record.items()}
    with open(path, "a") as f:
        f.write(json.dumps(clean) + "\n")
        f.flush()
        os.fsync(f.fileno())
