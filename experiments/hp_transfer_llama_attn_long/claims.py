"""What docs/evidence/hp-llama.md says of Llama's attention multiplier at 1200 steps: numbers and verdicts."""


def numbers(e) -> dict:
    s = e.series("llama", "mup", "attn_mult")
    flat_128 = [e.curve("mup", 128, "attn_mult")[v] for v in (-3.0, -2.0, -1.0, 0.0, 1.0, 2.0, 3.0)]  # x1/8 .. x8
    return {
        "runs": str(len(e.records)),
        "run_time_sum_s": f"{sum(r['wall_s'] for r in e.records):.0f}",
        "shift": str(s["optimum_shift_steps"]),
        "transfer_gap": f"{s['transfer_gap']:.3f}",
        "spread": f"{s['seed_spread_at_optimum']:.3f}",
        "flat_128": f"{max(flat_128) - min(flat_128):.3f}",
    }


def verdicts(e) -> dict:
    s = e.series("llama", "mup", "attn_mult")
    return {
        "72 runs of 1200 steps": len(e.records) == 72 and {r["steps"] for r in e.records} == {1200},
        "the optimum moves x1/4, x1/4, x4 over widths 64-256 (4 grid steps), seeds as stated":
            [(r["width"], r["best_log2"], r["seed_optima_log2"]) for r in s["widths"]]
            == [(64, -2, [-2, -2, -3]), (128, -2, [3, -3, 3]), (256, 2, [2, 0, 2])]
            and s["optimum_shift_steps"] == 4,
        "wider is better at every value near the optima": s["wider_better_near_optimum"],
        "width 64's optimum costs width 256 more than the seed spread there":
            s["transfer_gap"] > s["seed_spread_at_optimum"],
    }
