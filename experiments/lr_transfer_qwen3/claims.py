"""What docs/evidence/lr-qwen3.md says of this experiment: the numbers it quotes, and its verdicts."""
from mutransformers.sweep.experiment import fixed


def numbers(e) -> dict:
    mup, sp = e.series("qwen3", "mup"), e.series("qwen3", "sp")
    return {
        "runs": str(len(e.records)),
        "mup_transfer_gap": f"{mup['transfer_gap']:.3f}",
        "sp_transfer_gap": f"{sp['transfer_gap']:.3f}",
        "base_at_-7": f"{e.seed_mean('mup', 64, -7.0):.3f}",
        "base_at_-6": f"{e.seed_mean('mup', 64, -6.0):.3f}",
        "mup_vertices": ", ".join(fixed(r["parabola_log2"]) for r in mup["widths"]),
        "256_at_-5": f"{e.seed_mean('mup', 256, -5.0):.3f}",
        "128_at_-5": f"{e.seed_mean('mup', 128, -5.0):.3f}",
    }


def verdicts(e) -> dict:
    mup, sp = e.series("qwen3", "mup"), e.series("qwen3", "sp")
    return {
        "36 runs, none diverged": len(e.records) == 36 and not any(r["diverged"] for r in e.records),
        "muP's optimum is -7, -6, -6 (1 step); SP's -6, -8, -9 (3 steps)":
            [r["best_log2"] for r in mup["widths"]] == [-7, -6, -6] and mup["optimum_shift_steps"] == 1
            and [r["best_log2"] for r in sp["widths"]] == [-6, -8, -9] and sp["optimum_shift_steps"] == 3,
        "muP's best loss falls with width, SP's does not":
            mup["best_loss_falls_with_width"] and not sp["best_loss_falls_with_width"],
        "wider is better within a step of an optimum except at 2^-5":
            mup["values_where_wider_is_not_better_log2"] == [-5.0],
        "width 64's optimum costs muP far less at width 256 than it costs SP": mup["transfer_gap"] < sp["transfer_gap"],
    }
