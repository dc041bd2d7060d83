"""Why does depth not pay off for GPT-2 under CompleteP when it does for Llama (issue 16)? Code-level ablations.

Config-level ablations go through ``mutransformers sweep --set`` (untied embeddings; GPT-NeoX run sequentially
with full rotary, i.e. GPT-2's block with RoPE instead of learned positions). What no config field switches
is tried here, on muP GPT-2 with CompleteP (alpha 1, base depth 2), width 128, depths 2 and 8, log2 LR -8
and -7, the depth experiment's short protocol (300 steps of 16 x 64 tokens):

* ``baseline``: the model as the sweeps build it;
* ``no_positions``: learned position embeddings zeroed and frozen (the causal mask alone tells position);
* ``unscaled_branch_init``: the two ``c_proj`` weights per block drawn at the plain hidden std, without
  upstream's 1/sqrt(2 L_base) (Llama and GPT-NeoX have no such factor);
* both at once.

Resumable: finished runs are appended to the JSONL file and skipped when run again. ``--summary`` then
sets every ablation side by side (these runs and the ``sweep --set`` ones, each file one architecture and
setting): held-out loss at depths 2 and 8 per LR, and whether depth 8 beats depth 2 at both LRs.

    python experiments/depth_ablation/depth_ablation_gpt2.py --data ../shared/data/wikitext-2 --seeds 0 1 --out experiments/depth_ablation/gpt2_code.jsonl \
        --summary experiments/depth_ablation/summary.json --with experiments/depth_ablation/*.jsonl
"""
import argparse
import json
import sys
import multiprocessing
from collections import defaultdict
from pathlib import Path

from tqdm import tqdm

from mutransformers.sweep import Sweep, results, train
from mutransformers.sweep.corpus import as_corpus
from mutransformers.sweep.train import RunConfig

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # experiments/: the shared ablation machinery
from ablation import no_positions, unscaled_branch_init  # noqa: E402


def both(model, run):
    no_positions(model, run)
    unscaled_branch_init(model, run)


EDITS = {"baseline": None, "no_positions": no_positions, "unscaled_branch_init": unscaled_branch_init,
         "no_positions+unscaled_branch_init": both}


def runs(seeds) -> list:
    """(variant, run) pairs; the runs are the depth sweep's own (same keys, same numbers)."""
    sweep = Sweep(archs=["gpt2"], params=["completep"], widths=[128], depths=[2, 8], log2_lrs=[-8.0, -7.0],
                  seeds=seeds, run_fields={"steps": 300, "batch_size": 16, "seq_len": 64})
    return [(variant, run) for variant in EDITS for run in sweep.runs()]


def _train(job):
    (variant, run), data = job
    record = train.train_run(run, data, edit_model=EDITS[variant])
    return {**record, "variant": variant, "key": f"variant={variant}|{record['key']}"}


def summarize(paths, out: Path, depths=(2, 8), log2_lrs=(-8.0, -7.0)):
    """{label: {"loss": {depth: {log2 LR: seed mean}}, "deeper_better": bool}} over the CompleteP runs of the
    files at ``depths`` and ``log2_lrs``, written as JSON with a figure beside it."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    losses = defaultdict(list)
    for path in dict.fromkeys(Path(path).resolve() for path in paths):  # --out may also be among --with
        for r in results.load(path):
            if r["param"] == "completep" and r["n_layer"] in depths and r["log2_lr"] in log2_lrs:
                label = " ".join(filter(None, [path.stem, r.get("variant")]))  # the file names the setting
                losses[(label, r["n_layer"], r["log2_lr"])].append(r["eval_loss"])
    summary = {}
    for label in sorted({key[0] for key in losses}):
        table = {d: {lr: round(sum(v) / len(v), 3) for (name, depth, lr), v in losses.items()
                     if name == label and depth == d} for d in depths}
        summary[label] = {"loss": table, "seeds": len(losses[(label, depths[0], log2_lrs[0])]),
                          "deeper_better": all(table[depths[-1]][lr] < table[depths[0]][lr] for lr in log2_lrs)}
    out.write_text(json.dumps(summary, indent=1) + "\n")
    fig, axes = plt.subplots(1, len(log2_lrs), figsize=(5 * len(log2_lrs), 4), sharey=True)
    for ax, lr in zip(axes, log2_lrs):
        for label, row in summary.items():
            ax.plot(depths, [row["loss"][d][lr] for d in depths], marker="o", label=label,
                    linestyle="-" if row["deeper_better"] else "--")
        ax.set(xticks=depths, xlabel="depth (CompleteP, base depth 2)",
               title=f"width 128, log2 LR {lr:g}")
    axes[0].set_ylabel("held-out loss (seed mean)")
    axes[-1].legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(out.with_suffix(".png"), dpi=120)
    return summary


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", required=True, help="folder with test.txt and valid.txt")
    parser.add_argument("--out", default="experiments/depth_ablation/gpt2_code.jsonl")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--summary", help="JSON (and PNG beside it) setting the ablations side by side")
    parser.add_argument("--with", dest="others", nargs="*", default=[], help="other results files to summarize")
    args = parser.parse_args()
    done = results.finished_keys(args.out)
    todo = [job for job in runs(args.seeds) if f"variant={job[0]}|{job[1].key()}" not in done]
    as_corpus(args.data, RunConfig.vocab_size).token_ids()  # tokenize once here: the workers read the cache
    with multiprocessing.get_context("fork").Pool(args.workers) as pool:
        for record in tqdm(pool.imap_unordered(_train, [(job, args.data) for job in todo]), total=len(todo)):
            results.append(args.out, record)
    print(f"{len(todo)} runs trained; results in {args.out}")
    if args.summary:
        for label, row in summarize([args.out, *args.others], Path(args.summary)).items():
            print(f"{label:70s} {row['loss']}  deeper better: {row['deeper_better']}")


if __name__ == "__main__":
    main()
