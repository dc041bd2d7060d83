"""What a `tune` trial costs against a sweep run of the same size (issue 15's performance target).

The same 2-layer GPT-2 at width 64 (4 heads, vocabulary 2048, 300 steps of 16 x 64 tokens, WikiText-2)
at the same 4 learning rates, once as a sweep (local workers) and once as a grid `tune` of a width-256
target through a width-64 proxy (Optuna worker loop on SQLite), both with 2 workers. Prints and writes
the wall time of each and the mean per-run time; run it on quiet cores.

    python benchmarks/tune_trial_time.py --data ../shared/data/wikitext-2 [--out experiments/tune_trial_time/results.json]
"""
import argparse
import json
import statistics
import tempfile
import time
from pathlib import Path

from mutransformers import sweep as sw
from mutransformers.sweep.corpus import Corpus
from mutransformers.tune import Tune, parse_space

LRS = [-8, -7, -6, -5]
FIELDS = {"steps": 300, "batch_size": 16, "seq_len": 64}


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", required=True, help="WikiText-2 folder")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--out", help="JSON file for the numbers")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        sweep = sw.Sweep(archs=["gpt2"], params=["mup"], widths=[64], log2_lrs=LRS, seeds=[0],
                         run_fields={**FIELDS, "vocab_size": 2048})
        start = time.perf_counter()
        sw.run_local(sweep, tmp / "sweep.jsonl", args.data, workers=args.workers)
        sweep_wall = time.perf_counter() - start
        sweep_runs = [r["wall_s"] for r in sw.load(tmp / "sweep.jsonl")]

        target = tmp / "target.json"  # width 256, so the width-64 proxy has the sweep's dims (4 heads of 16)
        target.write_text(json.dumps({"model_type": "gpt2", "n_embd": 256, "n_inner": 1024, "n_head": 16,
                                      "n_layer": 2, "n_positions": 128, "vocab_size": 2048, "resid_pdrop": 0.0,
                                      "embd_pdrop": 0.0, "attn_pdrop": 0.0, "bos_token_id": 0,
                                      "eos_token_id": 0, "initializer_range": sweep.runs()[0].init_std}))
        tune = Tune(target=str(target), proxy_width=64, corpus=Corpus(args.data, vocab_size=2048),
                    space=parse_space([f"log2_lr={','.join(map(str, LRS))}"]), out=str(tmp / "tuned"),
                    run_fields=FIELDS)
        start = time.perf_counter()
        tune.run(workers=args.workers)
        tune_wall = time.perf_counter() - start
        tune_runs = [r["wall_s"] for r in sw.load(tmp / "tuned" / "trials.jsonl")]
    result = {"runs": len(LRS), "workers": args.workers, **FIELDS,
              "sweep_wall_s": round(sweep_wall, 1), "tune_wall_s": round(tune_wall, 1),
              "sweep_run_s_mean": round(statistics.mean(sweep_runs), 2),
              "tune_trial_s_mean": round(statistics.mean(tune_runs), 2),
              "tune_over_sweep_wall": round(tune_wall / sweep_wall, 3)}
    print(json.dumps(result, indent=1))
    if args.out:
        Path(args.out).write_text(json.dumps(result, indent=1) + "\n")


if __name__ == "__main__":
    main()
