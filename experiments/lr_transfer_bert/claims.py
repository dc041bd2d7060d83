"""What docs/evidence/lr-bert.md says of the 600-step experiment: the numbers it quotes, and its verdicts."""
from statistics import median


def numbers(e) -> dict:
    mup, sp = e.series("bert", "mup"), e.series("bert", "sp")
    best = [r["best_loss"] for r in mup["widths"]]
    widths = [r["width"] for r in mup["widths"]]
    plateau = [e.seed_mean("mup", w, v) for w in widths for v in (-7.0, -6.0, -5.0)]  # LR >= 2^-7
    return {
        "runs": str(len(e.records)),
        "run_time_sum_s": f"{sum(r['wall_s'] for r in e.records):.0f}",
        "mup_run_time_512_s": f"{median(r['wall_s'] for r in e.records if (r['param'], r['width']) == ('mup', 512)):.0f}",
        "unigram": f"{mup['unigram_loss']:.3f}",
        "margins": f"{mup['unigram_loss'] - max(best):.2f}–{mup['unigram_loss'] - min(best):.2f}",
        "plateau": f"{min(plateau):.2f}–{max(plateau):.2f}",
        "best_128": f"{best[1]:.3f}",
        "best_64": f"{best[0]:.3f}",
        "best_range": f"{max(best) - min(best):.3f}",
        "spread_512": f"{mup['widths'][-1]['seed_spread_at_optimum']:.3f}",
        "sp_best_512": f"{sp['widths'][-1]['best_loss']:.3f}",
        "mup_best_512": f"{best[-1]:.3f}",
    }


def verdicts(e) -> dict:
    mup, sp = e.series("bert", "mup"), e.series("bert", "sp")
    best = [r["best_loss"] for r in mup["widths"]]
    return {
        "128 runs, none diverged": len(e.records) == 128 and not any(r["diverged"] for r in e.records),
        "muP's optimum is -9 at every width (0 steps), SP's -9, -10, -11, -12 (3 steps)":
            [r["best_log2"] for r in mup["widths"]] == [-9] * 4 and mup["optimum_shift_steps"] == 0
            and [r["best_log2"] for r in sp["widths"]] == [-9, -10, -11, -12] and sp["optimum_shift_steps"] == 3,
        "muP's seeds pick -9 at every width but one (-8 at width 64)":
            [r["seed_optima_log2"] for r in mup["widths"]] == [[-9, -8]] + [[-9, -9]] * 3,
        "not met: under muP wider is not better and the best loss does not fall with every doubling":
            not mup["wider_better_near_optimum"] and not mup["best_loss_falls_with_width"],
        "the best losses lie within the seed spread, not apart": not mup["best_losses_apart_beyond_seed_spread"],
        "the best losses sit only 0.31-0.38 nats below the unigram baseline":
            0.31 < mup["unigram_loss"] - max(best) and mup["unigram_loss"] - min(best) < 0.38,
        "SP's wide models beat muP's: at width 512 SP's best loss is below muP's, at the grid's edge 2^-12":
            sp["widths"][-1]["best_loss"] < best[-1] and sp["widths"][-1]["best_log2"] == -12,
    }
