"""What docs/evidence/hp-llama.md says of Llama's LR with the query zero-initialized: numbers and verdicts."""
from mutransformers.sweep.experiment import Experiment


def numbers(e) -> dict:
    s = e.series("llama", "mup")
    built = Experiment(e.folder.parent / "lr_transfer_llama")
    flat = max(e.seed_mean("mup", r["width"], -6.0) - r["best_loss"] for r in s["widths"])
    return {
        "runs": str(len(e.records)),
        "run_time_sum_s": f"{sum(r['wall_s'] for r in e.records):.0f}",
        "vertices": ", ".join(f"{r['parabola_log2']:.2f}".replace("-", "−") for r in s["widths"]),
        "flat": f"{flat:.3f}",
        "best": " / ".join(f"{r['best_loss']:.3f}" for r in s["widths"]),
        "built_at_-6": " / ".join(f"{built.seed_mean('mup', w, -6.0):.3f}" for w in (64, 128, 256)),
    }


def verdicts(e) -> dict:
    s = e.series("llama", "mup")
    return {
        "30 runs of 300 steps, each with a zero query": len(e.records) == 30 and {r["steps"] for r in e.records} == {300}
            and {r["config_set"] for r in e.records} == {"query_zero_init=true"},
        "the optimum holds at -7 at every width (0 steps, no cost), wider better near it":
            [(r["width"], r["best_log2"], r["seed_optima_log2"]) for r in s["widths"]]
            == [(64, -7, [-7, -6]), (128, -7, [-7, -6]), (256, -7, [-7, -7])]
            and s["optimum_shift_steps"] == 0 and round(s["transfer_gap"], 3) == 0.0 and s["wider_better_near_optimum"],
    }
