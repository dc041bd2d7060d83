"""What docs/evidence/lr-gpt2.md says of this experiment: the numbers it quotes, and its verdicts."""
from statistics import mean

from mutransformers.sweep.experiment import fixed, minus


def numbers(e) -> dict:
    mup, sp = e.series("gpt2", "mup"), e.series("gpt2", "sp")
    widths = [r["width"] for r in mup["widths"]]
    near = mup["values_near_optimum_log2"]
    best = {p: {r["width"]: r for r in s["widths"]} for p, s in (("mup", mup), ("sp", sp))}
    sp_seed1_at_64 = {v: r["eval_loss"] for r in e.records for v in (-7.0, -6.0)
                      if (r["param"], r["width"], r["seed"], r["log2_lr"]) == ("sp", 64, 1, v)}
    return {
        "runs": str(len(e.records)),
        "run_time_sum_s": f"{sum(r['wall_s'] for r in e.records):.0f}",
        "run_time_per_width_s": " / ".join(f"{mean(r['wall_s'] for r in e.records if r['width'] == w):.0f}"
                                           for w in widths),
        "mup_vertices": f"{fixed(mup['widths'][0]['parabola_log2'])} → "
                        f"{fixed(mup['widths'][-1]['parabola_log2'])}",
        "near_optimum": f"{minus(near[0])}…{minus(near[-1])}",
        "sp_optima": f"{minus(sp['widths'][0]['best_log2'])} → {minus(sp['widths'][-1]['best_log2'])}",
        "sp_shift": str(sp["optimum_shift_steps"]),
        "sp_best_512": f"{best['sp'][512]['best_loss']:.3f}",
        "mup_best_512": f"{best['mup'][512]['best_loss']:.3f}",
        "sp_behind_512": f"{best['sp'][512]['best_loss'] - best['mup'][512]['best_loss']:.2f}",
        "base_optimum": minus(mup["widths"][0]["best_log2"]),
        "sp_512_at_base_optimum": f"{e.seed_mean('sp', 512, mup['widths'][0]['best_log2']):.2f}",
        "mup_512_at_base_optimum": f"{e.seed_mean('mup', 512, mup['widths'][0]['best_log2']):.2f}",
        "best_64": f"{best['mup'][64]['best_loss']:.3f}",
        "sp_seed1_prefers_by": f"{sp_seed1_at_64[-6.0] - sp_seed1_at_64[-7.0]:.3f}",
    }


def verdicts(e) -> dict:
    mup, sp = e.series("gpt2", "mup"), e.series("gpt2", "sp")
    grid = sorted({r["log2_lr"] for r in e.records})
    widths = [r["width"] for r in mup["widths"]]
    best = {p: {r["width"]: r["best_loss"] for r in s["widths"]} for p, s in (("mup", mup), ("sp", sp))}
    return {
        "128 runs, widths 64-512, and no muP run diverged":
            len(e.records) == 128 and widths == [64, 128, 256, 512]
            and not any(r["diverged"] for r in e.records if r["param"] == "mup"),
        "muP's optimum moves at most 1 grid step, SP's at least 2":
            mup["optimum_shift_steps"] <= 1 and sp["optimum_shift_steps"] >= 2,
        "under muP the best loss falls with every doubling, and wider is better within a step of the optima":
            mup["best_loss_falls_with_width"] and mup["wider_better_near_optimum"],
        "under muP wider is better at every LR of the grid":
            all(e.seed_mean("mup", a, v) > e.seed_mean("mup", b, v) for v in grid for a, b in zip(widths, widths[1:])),
        "the seeds' optima lie within a grid step of each other at every width, muP's on the same point":
            all(r["seeds_agree"] for r in mup["widths"] + sp["widths"])
            and all(len(set(r["seed_optima_log2"])) == 1 for r in mup["widths"]),
        "at width 64 muP and SP reach the same best loss (the same model drawn in another order)":
            round(best["mup"][64], 3) == round(best["sp"][64], 3),
        "at width 512 SP's best loss is behind muP's": best["sp"][512] > best["mup"][512],
    }
