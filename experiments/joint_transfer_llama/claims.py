"""What docs/evidence/depth.md says of the joint run on Llama, base (64, 2) -> target (256, 8), CompleteP:
numbers and verdicts."""


def numbers(e) -> dict:
    s = e.series("llama", "completep")
    base, target = s["sizes"]
    at_minus_7 = e.curve("completep", 256)[-7.0]
    return {
        "runs": str(len(e.records)),
        "run_time_sum_s": f"{sum(r['wall_s'] for r in e.records):.0f}",
        "transfer_gap": f"{s['transfer_gap']:.3f}",
        "vertex_move": f"{abs(base['parabola_log2'] - target['parabola_log2']):.2f}",
        "spreads": f"{base['seed_spread_at_optimum']:.3f} and {target['seed_spread_at_optimum']:.3f}",
        "target_at_-7": f"{at_minus_7:.3f}",
        "target_best": f"{target['best_loss']:.3f}",
        "gap_at_-7": f"{at_minus_7 - target['best_loss']:.3f}",
    }


def verdicts(e) -> dict:
    s = e.series("llama", "completep")
    return {
        "28 runs, none diverged": len(e.records) == 28 and not any(r["diverged"] for r in e.records),
        "met: the optimum is -6 at the base and at the target, no cost to transfer":
            [(r["width"], r["depth"], r["best_log2"]) for r in s["sizes"]] == [(64, 2, -6), (256, 8, -6)]
            and round(s["transfer_gap"], 3) == 0.0,
        "the target is better at every LR within a step of the optimum":
            s["bigger_better_near_optimum"] and s["values_near_optimum_log2"] == [-7, -6, -5],
        "the target's seeds pick -7 and -6": [r["seed_optima_log2"] for r in s["sizes"]] == [[-6, -6], [-7, -6]],
    }
