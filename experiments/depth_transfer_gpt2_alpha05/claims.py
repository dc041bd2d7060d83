"""What docs/evidence/depth.md says of Depth-muP (alpha 1/2) on GPT-2, the short protocol: numbers, verdicts."""
from mutransformers.sweep.experiment import fixed, minus


def numbers(e) -> dict:
    s = e.series("gpt2", "depth_mup")
    return {
        "runs": str(len(e.records)),
        "run_time_sum_s": f"{sum(r['wall_s'] for r in e.records):.0f}",
        "optima": " / ".join(minus(r["best_log2"]) for r in s["depths"]),
        "vertices": " / ".join(fixed(r["parabola_log2"]) for r in s["depths"]),
        "best": f"{s['depths'][0]['best_loss']:.3f} → {s['depths'][-1]['best_loss']:.3f}",
        "transfer_gap": f"{s['transfer_gap']:.3f}",
    }


def verdicts(e) -> dict:
    s = e.series("gpt2", "depth_mup")
    return {
        "56 runs on the CPU": len(e.records) == 56 and {r["device"] for r in e.records} == {"cpu"},
        "the optimum moves -8, -7, -7, -7 (1 step)":
            [r["best_log2"] for r in s["depths"]] == [-8, -7, -7, -7] and s["optimum_shift_steps"] == 1,
        "deeper is worse": not s["best_loss_falls_with_depth"],
    }
