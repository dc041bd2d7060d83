"""The end-to-end μTransfer experiment (issue 15): tune a narrow proxy, train the wide target once.

Target: 2-layer GPT-2 at width 512 (16 heads of 32). Proxy: width 64 (2 heads of 32), the target's
muP base. On WikiText-2, 300 steps of 16 x 64 tokens per run (the sweeps' protocol):

1. `tune` on the proxy: grid over log2 LR x output_mult x init_std (1 seed);
2. the target trained with the tuned values (muP), 2 seeds;
3. (a) a direct LR sweep at the target's width (muP, the other HPs at their defaults), 2 seeds: the
   transferred run should land within 0.02 nats of its best;
   (b) SP transferred the same way: the SP proxy is the same model as the muP proxy (muP equals SP at
   the base width), so the same search serves both; the SP target (transformers' GPT-2, init std
   scaled by fan-in as in the sweeps) is trained with the tuned values, 2 seeds;
   (c) compute: the proxy search's FLOPs against the direct sweep's (6 * params * tokens).

Resumable: every run goes to a results file under --out; re-running skips finished runs.

    python experiments/tune_transfer/tune_transfer.py --data ../shared/data/wikitext-2 --out experiments/tune_transfer
"""
import argparse
import json
import math
import statistics
import time
from pathlib import Path

from mutransformers import targets
from mutransformers.coord_check.plot import plt
from mutransformers.sweep import load
from mutransformers.sweep.corpus import Corpus
from mutransformers.sweep.grid import run_runs
from mutransformers.sweep.train import RunConfig
from mutransformers.tune import Tune, parse_space

TARGET = {"model_type": "mugpt2", "n_embd": 512, "n_inner": 2048, "n_head": 16, "n_layer": 2, "n_positions": 128,
          "vocab_size": 2048, "resid_pdrop": 0.0, "embd_pdrop": 0.0, "attn_pdrop": 0.0, "bos_token_id": 0,
          "eos_token_id": 0, "initializer_range": 0.069282}  # the sweeps' base std for width 64
PROXY_WIDTH = 64
FIELDS = {"steps": 300, "batch_size": 16, "seq_len": 64}
SEARCH = ["log2_lr=-10:-4", "output_mult=0.25:4", "init_std=0.017321,0.034641,0.069282,0.138564,0.277128"]
DIRECT_LRS = range(-10, -3)
SEEDS = [0, 1]


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", required=True, help="WikiText-2 folder")
    parser.add_argument("--out", default="experiments/tune_transfer", help="folder for the results, summary and figure")
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "target.json").write_text(json.dumps(TARGET, indent=1))
    corpus = Corpus(args.data, vocab_size=2048)
    start = time.perf_counter()

    tune = Tune(target=str(out / "target.json"), proxy_width=PROXY_WIDTH, corpus=corpus, space=parse_space(SEARCH),
                out=str(out / "tuned"), run_fields=FIELDS)
    tune.run(workers=args.workers)
    tuned = tune.write()
    hp = tuned["hparams"]

    runs_path = out / "target_runs.jsonl"
    target_config = str((out / "tuned" / "target" / "config.json").resolve())
    common = dict(arch="gpt2", width=512, base_width=PROXY_WIDTH, model=target_config, **FIELDS)
    transferred = {param: [RunConfig(param=param, seed=s, log2_lr=hp["log2_lr"], init_std=hp["init_std"],
                                     output_mult=hp["output_mult"], **common) for s in SEEDS]
                   for param in ("mup", "sp")}
    direct = [RunConfig(param="mup", seed=s, log2_lr=float(lr), init_std=TARGET["initializer_range"],
                        **{**common, "model": str((out / "tuned" / "untuned_target.json").resolve())})
              for lr in DIRECT_LRS for s in SEEDS]
    untuned = targets.load_target(str(out / "target.json"))
    untuned.mup_base = tuned["target"]["mup_base"]  # the same base as the tuned target, default HPs
    untuned.to_json_file(str(out / "tuned" / "untuned_target.json"))
    run_runs(transferred["mup"] + transferred["sp"] + direct, runs_path, corpus, workers=args.workers, desc="target")

    records = {r["key"]: r for r in load(runs_path)}
    loss = lambda runs: statistics.mean(records[r.key()]["eval_loss"] or math.inf for r in runs)  # noqa: E731
    direct_curve = {lr: loss([r for r in direct if r.log2_lr == lr]) for lr in DIRECT_LRS}
    best_lr = min(direct_curve, key=direct_curve.get)
    tokens = FIELDS["steps"] * FIELDS["batch_size"] * FIELDS["seq_len"]
    target_flops = targets.training_flops(targets.load_target(target_config), tokens)
    summary = {
        "tuned": hp, "proxy_best_loss": tuned["best_eval_loss"], "unigram_loss": tuned["unigram_loss"],
        "transferred_mup_loss": loss(transferred["mup"]), "transferred_sp_loss": loss(transferred["sp"]),
        "direct_lr_sweep": {str(lr): v for lr, v in direct_curve.items()},
        "direct_best_log2_lr": best_lr, "direct_best_loss": direct_curve[best_lr],
        "transferred_minus_direct_best": loss(transferred["mup"]) - direct_curve[best_lr],
        "sp_minus_mup_transferred": loss(transferred["sp"]) - loss(transferred["mup"]),
        "seed_losses": {p: [records[r.key()]["eval_loss"] for r in runs] for p, runs in transferred.items()},
        "proxy_search_flops": tuned["search"]["proxy_flops"], "direct_sweep_flops": target_flops * len(direct),
        "proxy_over_direct_flops": tuned["search"]["proxy_flops"] / (target_flops * len(direct)),
        "proxy_runs": tuned["search"]["runs"], "direct_runs": len(direct), "seeds": SEEDS, **FIELDS,
        "wall_s_this_invocation": round(time.perf_counter() - start, 1),
        "run_wall_s_total": round(sum(r["wall_s"] for r in load(runs_path))
                                  + sum(r["wall_s"] for r in load(out / "tuned" / "trials.jsonl")), 1),
    }
    (out / "tune_transfer.json").write_text(json.dumps(summary, indent=1))
    _plot(summary, out / "tune_transfer.png")
    print(json.dumps({k: v for k, v in summary.items() if k != "direct_lr_sweep"}, indent=1))


def _plot(summary, path):
    fig, ax = plt.subplots(figsize=(5.5, 4))
    lrs = [float(k) for k in summary["direct_lr_sweep"]]
    ax.plot(lrs, list(summary["direct_lr_sweep"].values()), marker="o", label="target, direct LR sweep (muP)")
    lr = summary["tuned"]["log2_lr"]
    ax.scatter([lr], [summary["transferred_mup_loss"]], marker="*", s=200, color="tab:red", zorder=3,
               label="target, muP, HPs from the proxy")
    ax.scatter([lr], [summary["transferred_sp_loss"]], marker="X", s=90, color="tab:gray", zorder=3,
               label="target, SP, HPs from the proxy")
    ax.axhline(summary["unigram_loss"], ls=":", color="k", lw=1, label="unigram baseline")
    ax.set_xlabel("log2 learning rate")
    ax.set_ylabel("held-out loss (mean of 2 seeds)")
    ax.set_title("GPT-2 width 512 tuned through a width-64 proxy", fontsize=10)
    ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


if __name__ == "__main__":
    main()
