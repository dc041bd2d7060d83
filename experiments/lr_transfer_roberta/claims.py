"""What docs/evidence/lr-roberta.md says of the 600-step experiment: the numbers it quotes, and its verdicts."""


def numbers(e) -> dict:
    mup, sp = e.series("roberta", "mup"), e.series("roberta", "sp")
    m, s = [r["best_loss"] for r in mup["widths"]], [r["best_loss"] for r in sp["widths"]]
    return {
        "runs": str(len(e.records)),
        "run_time_sum_s": f"{sum(r['wall_s'] for r in e.records):.0f}",
        "margin": f"{mup['margin_below_unigram']:.2f}",
        "unigram": f"{mup['unigram_loss']:.3f}",
        "mup_best_64": f"{m[0]:.3f}", "mup_best_128": f"{m[1]:.3f}", "mup_best_256": f"{m[2]:.3f}",
        "sp_best_64": f"{s[0]:.3f}", "sp_best_256": f"{s[2]:.3f}",
        "noise_64": f"{m[0] - s[0]:.2f}",
    }


def verdicts(e) -> dict:
    mup, sp = e.series("roberta", "mup"), e.series("roberta", "sp")
    m, s = [r["best_loss"] for r in mup["widths"]], [r["best_loss"] for r in sp["widths"]]
    return {
        "48 runs, none diverged": len(e.records) == 48 and not any(r["diverged"] for r in e.records),
        "muP's optimum is -9 at widths 64-256 (0 steps); SP's -9, -10, -11 (2 steps)":
            [r["best_log2"] for r in mup["widths"]] == [-9] * 3 and mup["optimum_shift_steps"] == 0
            and [r["best_log2"] for r in sp["widths"]] == [-9, -10, -11] and sp["optimum_shift_steps"] == 2,
        "muP's best loss does not fall at width 256; SP's falls with width":
            not mup["best_loss_falls_with_width"] and sp["best_loss_falls_with_width"],
        "SP's best loss is below muP's at every width": all(b < a for a, b in zip(m, s)),
    }
