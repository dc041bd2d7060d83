"""What docs/evidence/hp-llama.md says of GPT-2's input multiplier bracketed beyond x4 (with the x1/4-x4 runs of
../hp_transfer_gpt2), under u-muP's embedding rule (../hp_transfer_gpt2_input_mult_umup) and on a third seed
(../hp_transfer_gpt2_input_mult_seed2): numbers and verdicts."""
from mutransformers import sweep as sw


def record_sets(e) -> dict:
    centre = [r for r in e.load("../hp_transfer_gpt2/results.jsonl") + e.records if r["param"] == "mup"]
    at_centre = [r for r in centre if r["init_std"] == 0.069282 and r["output_mult"] == r["attn_mult"] == 1.0]
    umup = [{k: v for k, v in r.items() if k != "variant"}
            for r in e.load("../hp_transfer_gpt2_input_mult_umup/results.jsonl")]
    return {"bracketed": [r for r in at_centre if r["input_mult"] >= 1],
            "centre": centre,
            "umup": [r for r in at_centre if r["width"] == 64 and r["input_mult"] >= 1] + umup,
            "three_seeds": [r for r in centre if r["input_mult"] >= 1]
            + e.load("../hp_transfer_gpt2_input_mult_seed2/results.jsonl")}


def _series(e, name) -> dict:
    return sw.analyze(e.record_set(name))["gpt2 mup input_mult"]


def _times(log2_value) -> str:
    return f"×{2 ** log2_value:g}"


def numbers(e) -> dict:
    mup, umup, three = _series(e, "centre"), _series(e, "umup"), _series(e, "three_seeds")
    bracketed = e.record_set("bracketed")
    tops = [sorted(e.curve("mup", w, "input_mult", bracketed).values())[:2] for w in (64, 128, 256)]  # two best
    tops = [b - a for a, b in tops]
    seed2 = e.load("../hp_transfer_gpt2_input_mult_seed2/results.jsonl")
    return {
        "runs": str(len(e.records)),
        "umup_runs": str(len(e.load("../hp_transfer_gpt2_input_mult_umup/results.jsonl"))),
        "optima": ", ".join(_times(r["best_log2"]) for r in mup["widths"]),
        "shift": str(mup["optimum_shift_steps"]),
        "flat_tops": f"{max(tops):.3f}",
        "spread": f"{mup['seed_spread_at_optimum']:.3f}",
        "transfer_gap": f"{mup['transfer_gap']:.3f}",
        "seed2_runs": str(len(seed2)),
        "three_optima": ", ".join(_times(r["best_log2"]) for r in three["widths"]),
        "three_seed_optima": "; ".join(" ".join(_times(v) for v in r["seed_optima_log2"]) for r in three["widths"]),
        "three_vertices": " → ".join(f"{r['parabola_log2']:.2f}" for r in three["widths"]),
        "three_gap": f"{three['transfer_gap']:.3f}",
        "three_spread": f"{three['seed_spread_at_optimum']:.3f}",
        "umup_optima": ", ".join(_times(r["best_log2"]) for r in umup["widths"]),
        "umup_vertex_drift": f"{umup['widths'][-1]['parabola_log2'] - umup['widths'][0]['parabola_log2']:.2f}"
                             .replace("-", "−"),
        "mup_vertex_drift": f"{mup['widths'][-1]['parabola_log2'] - mup['widths'][0]['parabola_log2']:.2f}"
                            .replace("-", "−"),
        "umup_cost_128": f"{umup['widths'][1]['best_loss'] - mup['widths'][1]['best_loss']:.3f}",
        "umup_cost_256": f"{umup['widths'][2]['best_loss'] - mup['widths'][2]['best_loss']:.3f}",
    }


def verdicts(e) -> dict:
    mup, umup, three = _series(e, "centre"), _series(e, "umup"), _series(e, "three_seeds")
    seed2 = e.load("../hp_transfer_gpt2_input_mult_seed2/results.jsonl")
    return {
        "bracketed, the optimum moves x8, x8, x2 (2 grid steps)":
            [r["best_log2"] for r in mup["widths"]] == [3, 3, 1] and mup["optimum_shift_steps"] == 2,
        "under u-muP's rule the argmin moves 1 step (x8, x4, x4)":
            [r["best_log2"] for r in umup["widths"]] == [3, 2, 2] and umup["optimum_shift_steps"] == 1,
        "u-muP's rule trains worse at widths 128 and 256":
            all(u["best_loss"] > m["best_loss"] for u, m in zip(umup["widths"][1:], mup["widths"][1:])),
        "a third seed, 15 runs, confirms the drift: x8, x4, x2 over seeds 0-2 (2 steps)":
            len(seed2) == 15 and {r["seed"] for r in seed2} == {2} and not any(r["diverged"] for r in seed2)
            and [r["seed_optima_log2"] for r in three["widths"]] == [[3, 3, 3], [3, 2, 2], [2, 1, 1]]
            and [r["best_log2"] for r in three["widths"]] == [3, 2, 1] and three["optimum_shift_steps"] == 2,
    }
