"""What docs/evidence/hp-llama.md says of Llama's input multiplier beyond x4 (read with the x1/4-x4 runs of
../hp_transfer_llama at the same centre): numbers and verdicts."""
from mutransformers import sweep as sw


def record_sets(e) -> dict:
    centre = [r for r in e.load("../hp_transfer_llama/results.jsonl") if r["param"] == "mup"
              and (r["output_mult"], r["attn_mult"], r["init_std"]) == (1.0, 1.0, 0.069282)]
    return {"bracketed": [r for r in centre if r["input_mult"] >= 1] + e.records,
            "centre_and_wide": centre + e.records}


def _analysis(e) -> dict:
    return sw.analyze(e.record_set("centre_and_wide"))["llama mup input_mult"]


def numbers(e) -> dict:
    s = _analysis(e)
    top_64 = e.record_set("bracketed")
    at = lambda w, m: [r["eval_loss"] for r in top_64 if (r["width"], r["input_mult"]) == (w, m)]  # noqa: E731
    return {
        "runs": str(len(e.records)),
        "run_time_sum_s": f"{sum(r['wall_s'] for r in e.records):.0f}",
        "shift": str(s["optimum_shift_steps"]),
        "top_64": f"{abs(sum(at(64, 16.0)) / 2 - sum(at(64, 32.0)) / 2):.3f}",
        "spread": f"{s['seed_spread_at_optimum']:.3f}",
        "transfer_gap": f"{s['transfer_gap']:.3f}",
    }


def verdicts(e) -> dict:
    s = _analysis(e)
    return {
        "18 runs at x8, x16 and x32": len(e.records) == 18 and {r["input_mult"] for r in e.records} == {8.0, 16.0, 32.0},
        "bracketed, the optimum moves x32, x16, x8 over widths 64-256 (2 grid steps), the seeds agreeing":
            [(r["width"], r["best_log2"]) for r in s["widths"]] == [(64, 5), (128, 4), (256, 3)]
            and s["optimum_shift_steps"] == 2 and all(r["seeds_agree"] for r in s["widths"]),
        "wider is better near every optimum": s["wider_better_near_optimum"],
    }
