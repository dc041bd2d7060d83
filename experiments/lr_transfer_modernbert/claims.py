"""What docs/evidence/lr-modernbert.md says of this experiment: the numbers it quotes, and its verdicts."""
from mutransformers.sweep.experiment import fixed


def numbers(e) -> dict:
    mup, sp = e.series("modernbert", "mup"), e.series("modernbert", "sp")
    m = [r["best_loss"] for r in mup["widths"]]
    at_64 = {(p, v): e.seed_mean(p, 64, v) for p in ("mup", "sp") for v in (-8.0,)}
    sp_seeds = [r["eval_loss"] for r in e.records if (r["param"], r["width"], r["log2_lr"]) == ("sp", 64, -8.0)]
    mup_seeds = [r["eval_loss"] for r in e.records if (r["param"], r["width"], r["log2_lr"]) == ("mup", 64, -8.0)]
    sp_256_gap = e.seed_mean("sp", 256, -8.0) - sp["widths"][2]["best_loss"]
    return {
        "margin": f"{mup['margin_below_unigram']:.2f}",
        "mup_vertices": " / ".join(fixed(r["parabola_log2"]) for r in mup["widths"]),
        "sp_vertices": f"{fixed(sp['widths'][0]['parabola_log2'])} → "
                       f"{fixed(sp['widths'][-1]['parabola_log2'])}",
        "mup_cost_256": f"{e.seed_mean('mup', 256, -8.0) - mup['widths'][2]['best_loss']:.3f}",
        "sp_cost_256": f"{sp_256_gap:.3f}",
        "mup_best": " / ".join(f"{v:.3f}" for v in m),
        "128_at_-9": f"{e.seed_mean('mup', 128, -9.0):.3f}", "64_at_-9": f"{e.seed_mean('mup', 64, -9.0):.3f}",
        "128_at_-7": f"{e.seed_mean('mup', 128, -7.0):.3f}", "64_at_-7": f"{e.seed_mean('mup', 64, -7.0):.3f}",
        "spread": f"{mup['seed_spread_at_optimum']:.3f}",
        "mup_64_at_-8": f"{at_64[('mup', -8.0)]:.3f}", "sp_64_at_-8": f"{at_64[('sp', -8.0)]:.3f}",
        "sp_draws_apart": f"{max(sp_seeds) - min(sp_seeds):.3f}",
        "mup_draws_apart": f"{max(mup_seeds) - min(mup_seeds):.3f}",
    }


def verdicts(e) -> dict:
    mup, sp = e.series("modernbert", "mup"), e.series("modernbert", "sp")
    widest = {(r["param"], r["log2_lr"]) for r in e.records if r["width"] == 512}
    return {
        "86 runs, none diverged; width 512 only around each optimum":
            len(e.records) == 86 and not any(r["diverged"] for r in e.records)
            and widest == {("mup", -9), ("mup", -8), ("mup", -7), ("sp", -12), ("sp", -11), ("sp", -10)},
        "muP's optimum is -8 at every width for both seeds (0 steps, no cost to transfer)":
            [r["seed_optima_log2"] for r in mup["widths"]] == [[-8, -8]] * 4 and mup["optimum_shift_steps"] == 0
            and round(mup["transfer_gap"], 3) == 0.0,
        "SP's optimum moves 3 steps, -8, -9, -10, -11 for both seeds":
            [r["seed_optima_log2"] for r in sp["widths"]] == [[-8, -8], [-9, -9], [-10, -10], [-11, -11]]
            and sp["optimum_shift_steps"] == 3,
        "muP's best loss falls with every doubling": mup["best_loss_falls_with_width"],
        "not met at -9 and -7 only, where wider is not better":
            not mup["wider_better_near_optimum"] and mup["values_where_wider_is_not_better_log2"] == [-9, -7],
        "widths 64 and 128 lie within the seed spread": not mup["best_losses_apart_beyond_seed_spread"],
    }
