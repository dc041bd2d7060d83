"""What docs/evidence/lr-t5.md says of this experiment: the numbers it quotes, and its verdicts."""
from statistics import median

from mutransformers.sweep.experiment import minus


def numbers(e) -> dict:
    mup, sp = e.series("t5", "mup"), e.series("t5", "sp")
    widths = [r["width"] for r in mup["widths"]]
    base = mup["widths"][0]
    at_base = {v: e.seed_mean("mup", 64, v) for v in (-6.0, -5.0)}
    spread = [r["eval_loss"] for r in e.records if (r["param"], r["width"], r["log2_lr"]) == ("mup", 64, -5.0)]
    return {
        "runs": str(len(e.records)),
        "run_time_sum_s": f"{sum(r['wall_s'] for r in e.records):.0f}",
        "mup_run_time_per_width_s": " / ".join(
            f"{median(r['wall_s'] for r in e.records if (r['param'], r['width']) == ('mup', w)):.0f}" for w in widths),
        "sp_run_time_512_s": f"{median(r['wall_s'] for r in e.records if (r['param'], r['width']) == ('sp', 512)):.0f}",
        "margin_64": f"{mup['unigram_loss'] - mup['widths'][0]['best_loss']:.2f}",
        "margin_512": f"{mup['unigram_loss'] - mup['widths'][-1]['best_loss']:.2f}",
        "base_at_-6": f"{at_base[-6.0]:.3f}",
        "base_at_-5": f"{at_base[-5.0]:.3f}",
        "base_spread_at_-5": f"{max(spread) - min(spread):.2f}",
        "base_seed_optima": " and ".join(minus(v) for v in base["seed_optima_log2"]),
        "near_optimum": ", ".join(minus(v) for v in mup["values_near_optimum_log2"]),
        "sp_shift": str(sp["optimum_shift_steps"]),
        "sp_best_64": f"{sp['widths'][0]['best_loss']:.3f}",
        "sp_best_512": f"{sp['widths'][-1]['best_loss']:.3f}",
    }


def verdicts(e) -> dict:
    mup, sp = e.series("t5", "mup"), e.series("t5", "sp")
    return {
        "128 runs, none diverged": len(e.records) == 128 and not any(r["diverged"] for r in e.records),
        "muP's optimum is -5, -6, -6, -6 over widths 64-512 (1 step); SP's -6, -7, -9, -10 (4 steps)":
            [r["best_log2"] for r in mup["widths"]] == [-5, -6, -6, -6]
            and [r["best_log2"] for r in sp["widths"]] == [-6, -7, -9, -10]
            and mup["optimum_shift_steps"] == 1 and sp["optimum_shift_steps"] == 4,
        "muP's seeds agree within a step at every width, and both pick -6 at widths 128-512":
            all(r["seeds_agree"] for r in mup["widths"])
            and [r["seed_optima_log2"] for r in mup["widths"][1:]] == [[-6, -6]] * 3,
        "under muP wider is better near the optima and the best loss falls with every doubling; under SP it does not":
            mup["wider_better_near_optimum"] and mup["best_loss_falls_with_width"]
            and not sp["best_loss_falls_with_width"],
        "muP's best losses lie further apart than the seeds' spread": mup["best_losses_apart_beyond_seed_spread"],
        "muP's best losses sit 0.6 (width 64) to 1.1 nats (512) or more below the unigram baseline":
            mup["unigram_loss"] - mup["widths"][0]["best_loss"] > 0.6
            and mup["unigram_loss"] - mup["widths"][-1]["best_loss"] > 1.1,
    }
