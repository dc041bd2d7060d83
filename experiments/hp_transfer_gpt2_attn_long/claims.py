"""What docs/evidence/hp-gpt2.md says of GPT-2's attention multiplier at 1200 steps: numbers and verdicts."""


def numbers(e) -> dict:
    s = e.series("gpt2", "mup", "attn_mult")
    top = {w: [e.curve("mup", w, "attn_mult")[v] for v in (1.0, 2.0, 3.0)] for w in (64, 256)}  # x2 .. x8
    return {
        "runs": str(len(e.records)),
        "transfer_gap": f"{s['transfer_gap']:.3f}",
        "flat_top": f"{max(max(v) - min(v) for v in top.values()):.3f}",
        "spread_256": f"{s['widths'][-1]['seed_spread_at_optimum']:.3f}",
        "vertices": " → ".join(f"{r['parabola_log2']:.2f}" for r in s["widths"]),
    }


def verdicts(e) -> dict:
    s = e.series("gpt2", "mup", "attn_mult")
    return {
        "28 runs of 1200 steps": len(e.records) == 28 and {r["steps"] for r in e.records} == {1200},
        "the optimum is x4 at widths 64 and 256 (seeds x4/x2 and x4/x8), bracketed":
            [(r["width"], r["best_log2"], r["seed_optima_log2"]) for r in s["widths"]]
            == [(64, 2, [2, 1]), (256, 2, [2, 3])],
        "0 grid steps, no cost to transfer, wider better at every value":
            s["optimum_shift_steps"] == 0 and round(s["transfer_gap"], 3) == 0.0 and s["wider_better_near_optimum"],
        "the top (x2-x8) is flatter than the seed spread at width 256's optimum":
            all(max(v) - min(v) < s["widths"][-1]["seed_spread_at_optimum"]
                for v in ([e.curve("mup", w, "attn_mult")[x] for x in (1.0, 2.0, 3.0)] for w in (64, 256))),
    }
