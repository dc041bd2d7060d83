"""What docs/evidence/lr-roberta.md says of the 2400-step experiment: the numbers it quotes, and its verdicts."""
from mutransformers.sweep.experiment import fixed, minus


def numbers(e) -> dict:
    mup, sp = e.series("roberta", "mup"), e.series("roberta", "sp")
    m = [r["best_loss"] for r in mup["widths"]]
    u = mup["unigram_loss"]
    noise = e.seed_mean("mup", 64, -9.0) - e.seed_mean("sp", 64, -9.0)  # one seed: each run's own loss
    return {
        "runs": str(len(e.records)),
        "best": " → ".join(f"{v:.3f}" for v in m),
        "margins": f"{u - m[0]:.2f}–{u - m[-1]:.2f}",
        "unigram": f"{u:.3f}",
        "noise_64": f"{noise:.3f}",
        "falls": ", ".join(f"{a - b:.3f}" for a, b in zip(m, m[1:])),
        "wider_at_-10": f"{e.seed_mean('mup', 128, -10.0) - e.seed_mean('mup', 256, -10.0):.3f}",
        "sp_optima": " → ".join(minus(r["best_log2"]) for r in sp["widths"]),
        "sp_vertices": f"{fixed(sp['widths'][0]['parabola_log2'])} → "
                       f"{fixed(sp['widths'][-1]['parabola_log2'])}",
        "sp_256_at_64s_optimum": f"{e.seed_mean('sp', 256, sp['widths'][0]['best_log2']):.3f}",
        "sp_transfer_gap": f"{sp['transfer_gap']:.3f}",
        "mup_ahead": " and ".join(f"{s['best_loss'] - r['best_loss']:.3f}"
                                  for s, r in zip(sp["widths"][1:], mup["widths"][1:])),
    }


def verdicts(e) -> dict:
    mup, sp = e.series("roberta", "mup"), e.series("roberta", "sp")
    m = [r["best_loss"] for r in mup["widths"]]
    noise = e.seed_mean("mup", 64, -9.0) - e.seed_mean("sp", 64, -9.0)
    return {
        "36 runs of 2400 steps, seed 0, none diverged":
            len(e.records) == 36 and {r["steps"] for r in e.records} == {2400}
            and {r["seed"] for r in e.records} == {0} and not any(r["diverged"] for r in e.records),
        "muP's optimum is -9 at every width (0 steps), and wider is better at -10, -9 and -8":
            [r["best_log2"] for r in mup["widths"]] == [-9] * 3 and mup["optimum_shift_steps"] == 0
            and mup["values_near_optimum_log2"] == [-10, -9, -8] and mup["wider_better_near_optimum"],
        "muP's best losses sit more than 1.5 nats below the unigram baseline":
            all(mup["unigram_loss"] - v > 1.5 for v in m),
        "SP's optimum moves 1 step, -9 -> -9 -> -10":
            [r["best_log2"] for r in sp["widths"]] == [-9, -9, -10] and sp["optimum_shift_steps"] == 1,
        "the best loss falls by more than width 64's muP-SP gap (the protocol's noise)":
            min(a - b for a, b in zip(m, m[1:])) > noise,
        "muP's best is below SP's at widths 128 and 256":
            all(s["best_loss"] > r["best_loss"] for s, r in zip(sp["widths"][1:], mup["widths"][1:])),
    }
