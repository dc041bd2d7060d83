"""What docs/evidence/hp-llama.md says of Llama's attention multiplier with a zero-initialized query (1200 steps):
numbers and verdicts. Compared with the same runs as built (../hp_transfer_llama_attn_long)."""
from mutransformers import sweep as sw


def _first_two_seeds(e) -> dict:
    (s,) = [s for s in sw.analyze([r for r in e.records if r["seed"] in (0, 1)]).values() if s["hp"] == "attn_mult"]
    return s


def numbers(e) -> dict:
    s, two = e.series("llama", "mup", "attn_mult"), _first_two_seeds(e)
    built = sw.analyze(e.load("../hp_transfer_llama_attn_long/results.jsonl"))["llama mup attn_mult"]
    return {
        "runs": str(len(e.records)),
        "run_time_sum_s": f"{sum(r['wall_s'] for r in e.records):.0f}",
        "shift": str(s["optimum_shift_steps"]),
        "transfer_gap": f"{s['transfer_gap']:.3f}",
        "built_shift": str(built["optimum_shift_steps"]),
        "built_transfer_gap": f"{built['transfer_gap']:.3f}",
        "two_seeds_gap": f"{two['transfer_gap']:.3f}",
        "spread": f"{s['seed_spread_at_optimum']:.3f}",
        "vertex_climb": f"{s['widths'][-1]['parabola_log2'] - s['widths'][0]['parabola_log2']:.1f}",
        "vertices": f"{s['widths'][0]['parabola_log2']:.2f} → {s['widths'][-1]['parabola_log2']:.2f}".replace("-", "−"),
        "built_vertex_climb": f"{built['widths'][-1]['parabola_log2'] - built['widths'][0]['parabola_log2']:.1f}",
        "built_vertices": f"{built['widths'][0]['parabola_log2']:.2f} → "
                          f"{built['widths'][-1]['parabola_log2']:.2f}".replace("-", "−"),
        "256_at_64s_optimum": f"{s['largest_loss_at_base_optimum']:.3f}",
        "built_256_at_64s_optimum": f"{built['largest_loss_at_base_optimum']:.3f}",
        "best_256": f"{s['widths'][-1]['best_loss']:.3f}",
        "best_apart": f"{s['widths'][-1]['best_loss'] - built['widths'][-1]['best_loss']:.3f}",
        "built_best_256": f"{built['widths'][-1]['best_loss']:.3f}",
    }


def verdicts(e) -> dict:
    s, two = e.series("llama", "mup", "attn_mult"), _first_two_seeds(e)
    as_built = {r["key"].replace("|config_set=query_zero_init=true", "") for r in e.records}
    return {
        "72 runs, every one with the query zero-initialized, otherwise the as-built runs key for key":
            len(e.records) == 72 and {r["config_set"] for r in e.records} == {"query_zero_init=true"}
            and as_built == {r["key"] for r in e.load("../hp_transfer_llama_attn_long/results.jsonl")},
        "on seeds 0 and 1 the optimum moves 1 step (x1/4 -> x1/2 -> x1/2)":
            [(r["width"], r["best_log2"], r["seed_optima_log2"]) for r in two["widths"]]
            == [(64, -2, [-2, -2]), (128, -1, [-1, -1]), (256, -1, [1, -1])] and two["optimum_shift_steps"] == 1,
        "on all three seeds it moves 2 steps (x1/4 -> x1/4 -> x1), wider better near the optima":
            [(r["width"], r["best_log2"], r["seed_optima_log2"]) for r in s["widths"]]
            == [(64, -2, [-2, -2, -2]), (128, -2, [-1, -1, -2]), (256, 0, [1, -1, 0])]
            and s["optimum_shift_steps"] == 2 and s["wider_better_near_optimum"],
    }
