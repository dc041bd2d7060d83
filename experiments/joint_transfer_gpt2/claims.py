"""What docs/evidence/depth.md says of the joint run on GPT-2, base (64, 2) -> target (256, 8), CompleteP, the
short protocol: numbers and verdicts."""


def numbers(e) -> dict:
    s = e.series("gpt2", "completep")
    base, target = s["sizes"]
    return {
        "runs": str(len(e.records)),
        "transfer_gap": f"{s['transfer_gap']:.3f}",
        "target_at_base_optimum": f"{s['largest_loss_at_base_optimum']:.3f}",
        "target_best": f"{target['best_loss']:.3f}",
        "spreads": f"{base['seed_spread_at_optimum']:.3f} and {target['seed_spread_at_optimum']:.3f}",
        "vertex_move": f"{base['parabola_log2'] - target['parabola_log2']:.2f}",
        "base_at_-7": f"{e.seed_mean('completep', 64, -7.0):.3f}",
        "base_at_-6": f"{e.seed_mean('completep', 64, -6.0):.3f}",
    }


def verdicts(e) -> dict:
    s = e.series("gpt2", "completep")
    base = e.curve("completep", 64)
    return {
        "28 runs, none diverged": len(e.records) == 28 and not any(r["diverged"] for r in e.records),
        "the optimum is -6 at the base (64, 2) and -7 at the target (256, 8)":
            [(r["width"], r["depth"], r["best_log2"]) for r in s["sizes"]] == [(64, 2, -6), (256, 8, -7)],
        "the seeds agree on each optimum": all(r["seeds_agree"] for r in s["sizes"]),
        "not met: the base's optimum costs the target more than 0.02 nats": s["transfer_gap"] > 0.02,
        "the base's top two LRs lie within the seed spread": 0 < base[-7.0] - base[-6.0] < s["seed_spread_at_optimum"],
    }
