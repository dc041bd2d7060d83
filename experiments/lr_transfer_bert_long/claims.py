"""What docs/evidence/lr-bert.md says of the 2400-step experiment: the numbers it quotes, and its verdicts."""
from mutransformers.sweep.experiment import fixed, minus


def _seed_loss(e, param, seed, width, lr) -> float:
    (loss,) = [r["eval_loss"] for r in e.records
               if (r["param"], r["seed"], r["width"], r["log2_lr"]) == (param, seed, width, lr)]
    return loss


def numbers(e) -> dict:
    mup, sp = e.series("bert", "mup"), e.series("bert", "sp")
    rows, sp_rows = mup["widths"], sp["widths"]
    best = [r["best_loss"] for r in rows]
    u = mup["unigram_loss"]
    s = {(seed, w, lr): _seed_loss(e, "mup", seed, w, lr) for seed in (0, 1) for w in (256, 512) for lr in (-9, -8)}
    means = lambda p, w, lr: e.seed_mean(p, w, lr)  # noqa: E731
    plateau = [means(p, w, -7.0) for p in ("mup", "sp") for w in (64, 128, 256)]
    return {
        "runs": str(len(e.records)),
        "margins": f"{u - max(best):.1f}–{u - min(best):.1f}",
        "best_64": f"{best[0]:.3f}",
        "mup_vertices": ", ".join(fixed(r["parabola_log2"]) for r in rows),
        "falls": ", ".join(f"{a - b:.3f}" for a, b in zip(best[:-1], best[1:-1])) + f" and {best[-2] - best[-1]:.3f}",
        "spreads": ", ".join(f"{r['seed_spread_at_optimum']:.3f}" for r in rows),
        "margin_64": f"{u - best[0]:.2f}",
        "margin_512": f"{u - best[-1]:.2f}",
        "unigram": f"{u:.3f}",
        "seed0_256_prefers_by": f"{s[(0, 256, -9)] - s[(0, 256, -8)]:.3f}",
        "seed0_256_at_-8": f"{s[(0, 256, -8)]:.3f}",
        "seed0_256_at_-9": f"{s[(0, 256, -9)]:.3f}",
        "seed1_256_worse_by": f"{s[(1, 256, -8)] - s[(1, 256, -9)]:.3f}",
        "seed1_256_at_-8": f"{s[(1, 256, -8)]:.3f}",
        "seed1_256_at_-9": f"{s[(1, 256, -9)]:.3f}",
        "512_above_256_at_-8": f"{means('mup', 512, -8.0) - means('mup', 256, -8.0):.3f}",
        "seed0_512_worse_at_-8": f"{s[(0, 512, -8)] - s[(0, 256, -8)]:.3f}",
        "seed1_512_better_at_-8": f"{s[(1, 256, -8)] - s[(1, 512, -8)]:.3f}",
        "seed_spread_256_at_-8": f"{abs(s[(1, 256, -8)] - s[(0, 256, -8)]):.3f}",
        "seed_spread_512_at_-8": f"{abs(s[(0, 512, -8)] - s[(1, 512, -8)]):.3f}",
        "plateau_at_-7": f"{min(plateau):.2f}–{max(plateau):.2f}",
        "sp_optima": " → ".join(minus(r["best_log2"]) for r in sp_rows),
        "sp_vertices": ", ".join(fixed(r["parabola_log2"]) for r in sp_rows),
        "sp_256_at_64s_optimum": f"{means('sp', 256, -9.0):.3f}",
        "sp_256_plateau_cost": f"{means('sp', 256, -9.0) - means('sp', 256, -10.0):.3f}",
        "sp_512_at_256s_optimum": f"{means('sp', 512, -10.0):.3f}",
        "sp_512_plateau_cost": f"{means('sp', 512, -10.0) - means('sp', 512, -11.0):.3f}",
        "mup_ahead": ", ".join(f"{s_['best_loss'] - m['best_loss']:.3f}" for s_, m in zip(sp_rows[1:-1], rows[1:-1]))
                     + f" and {sp_rows[-1]['best_loss'] - rows[-1]['best_loss']:.3f}",
        "sp_spreads": ", ".join(f"{r['seed_spread_at_optimum']:.3f}" for r in sp_rows[1:]),
    }


def verdicts(e) -> dict:
    mup, sp = e.series("bert", "mup"), e.series("bert", "sp")
    plateau = [e.seed_mean(p, w, -7.0) for p in ("mup", "sp") for w in (64, 128, 256)]
    return {
        "84 runs of 2400 steps, none diverged": len(e.records) == 84 and {r["steps"] for r in e.records} == {2400}
            and not any(r["diverged"] for r in e.records),
        "muP's optimum is -9 at every width 64-512 (0 steps, no cost to transfer); the seeds split -8/-9 at 256 only":
            [(r["width"], r["best_log2"], r["seed_optima_log2"]) for r in mup["widths"]]
            == [(64, -9, [-9, -9]), (128, -9, [-9, -9]), (256, -9, [-8, -9]), (512, -9, [-9, -9])]
            and mup["optimum_shift_steps"] == 0 and mup["transfer_gap"] == 0,
        "wider is better at -10 and -9 at every doubling, not at -8":
            mup["values_near_optimum_log2"] == [-10, -9, -8] and mup["values_where_wider_is_not_better_log2"] == [-8],
        "muP's best losses fall by more than the seed spread": mup["best_losses_apart_beyond_seed_spread"],
        "SP's optimum moves 2 steps, -9 -> -10 -> -10 -> -11, both seeds at each width":
            [(r["best_log2"], r["seed_optima_log2"]) for r in sp["widths"]]
            == [(-9, [-9, -9]), (-10, [-10, -10]), (-10, [-10, -10]), (-11, [-11, -11])]
            and sp["optimum_shift_steps"] == 2,
        "muP's best is below SP's at widths 128-512":
            all(s["best_loss"] > m["best_loss"] for s, m in zip(sp["widths"][1:], mup["widths"][1:])),
        "at 2^-7 every width 64-256 sits on the plateau (at or above 6.09)": min(plateau) >= 6.09,
    }
