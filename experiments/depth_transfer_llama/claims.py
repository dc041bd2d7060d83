"""What docs/evidence/depth.md says of Llama's longer depth protocol (GPU): numbers and verdicts."""
from mutransformers.sweep.experiment import minus


def train_loss(e, param, depth, lr) -> float:
    losses = [r["train_loss"] for r in e.records if (r["param"], r["n_layer"], r["log2_lr"]) == (param, depth, lr)]
    return sum(losses) / len(losses)


def numbers(e) -> dict:
    cp, mup = e.series("llama", "completep"), e.series("llama", "mup")
    return {
        "runs": str(len(e.records)),
        "spread": f"{cp['seed_spread_at_optimum']:.3f}",
        "near_optimum": ", ".join(f"2^{minus(v)}" for v in cp["values_near_optimum_log2"]),
        "completep_best": f"{cp['depths'][0]['best_loss']:.3f} → {cp['depths'][-1]['best_loss']:.3f}",
        "mup_transfer_gap": f"{mup['transfer_gap']:.3f}",
        "train_loss_at_-7": f"{train_loss(e, 'completep', 2, -7.0):.2f} → {train_loss(e, 'completep', 16, -7.0):.2f}",
    }


def verdicts(e) -> dict:
    cp, mup = e.series("llama", "completep"), e.series("llama", "mup")
    return {
        "112 runs on a GPU, 300 steps of 32 x 128 tokens": len(e.records) == 112
            and {r["device"] for r in e.records} == {"cuda"}
            and {(r["batch_size"], r["seq_len"], r["steps"]) for r in e.records} == {(32, 128, 300)},
        "met under CompleteP: the optimum stays at -7 and deeper is better within a step of it, seeds agreeing":
            [r["best_log2"] for r in cp["depths"]] == [-7] * 4 and cp["optimum_shift_steps"] == 0
            and cp["deeper_better_near_optimum"] and cp["values_near_optimum_log2"] == [-8, -7, -6]
            and cp["best_loss_falls_with_depth"] and all(r["seeds_agree"] for r in cp["depths"]),
        "under muP alone the optimum moves one step and deeper is not better":
            [r["best_log2"] for r in mup["depths"]] == [-7, -7, -8, -8] and mup["optimum_shift_steps"] == 1
            and not mup["deeper_better_near_optimum"],
        "at 2^-7 CompleteP's training loss falls with depth": train_loss(e, "completep", 16, -7.0)
            < train_loss(e, "completep", 2, -7.0),
    }
