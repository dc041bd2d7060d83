"""Wall time of one sweep on a PostgreSQL server: 1 worker against 4 workers on this machine.

Starts a throwaway PostgreSQL on 127.0.0.1 (the pgserver wheel, as the tests do), runs the same
16-run GPT-2 sweep once with one worker and once with four (each its own study and results file),
and writes the two wall times and their ratio. Run it on a quiet machine: other CPU work skews it.

    python benchmarks/distributed_sweep.py --data ../shared/data/wikitext-2 [--out experiments/distributed_sweep/results.json]
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from postgres_server import postgres_on_loopback  # noqa: E402

SWEEP = ["--archs", "gpt2", "--widths", "64", "128", "--log2-lrs", "-8", "-7", "-6", "-5", "--seeds", "0",
         "--params", "mup", "sp", "--steps", "300", "--batch-size", "16", "--seq-len", "64", "--workers", "1",
         "--heartbeat", "5"]


def _sweep(url: str, workers: int, folder: Path, data: str) -> float:
    cmd = [sys.executable, "-m", "mutransformers.cli", "sweep", *SWEEP, "--data", data, "--storage", url,
           "--study", f"bench-{workers}", "--results", str(folder / f"results_{workers}.jsonl")]
    start = time.perf_counter()
    processes = [subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
                 for _ in range(workers)]
    for p in processes:
        _, err = p.communicate()
        if p.returncode:
            raise SystemExit(err[-3000:])
    runs = len((folder / f"results_{workers}.jsonl").read_text().splitlines())
    if runs != 16:
        raise SystemExit(f"{workers} workers left {runs} runs in the results, not 16")
    return time.perf_counter() - start


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", required=True, help="folder with test.txt and valid.txt")
    parser.add_argument("--out", default="experiments/distributed_sweep/results.json")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp, postgres_on_loopback(Path(tmp) / "pg") as url:
        times = {n: _sweep(url, n, Path(tmp), args.data) for n in (1, 4)}
    record = {"runs": 16, "cpu_cores": os.cpu_count(), "wall_s_1_worker": round(times[1], 1),
              "wall_s_4_workers": round(times[4], 1), "speedup": round(times[1] / times[4], 2),
              "sweep": " ".join(SWEEP)}
    Path(args.out).write_text(json.dumps(record, indent=1) + "\n")
    print(json.dumps(record, indent=1))


if __name__ == "__main__":
    main()
