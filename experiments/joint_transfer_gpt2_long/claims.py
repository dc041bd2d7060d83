"""What docs/evidence/depth.md says of the joint run on GPT-2 with the longer protocol (GPU): numbers, verdicts."""


def numbers(e) -> dict:
    s = e.series("gpt2", "completep")
    base, target = s["sizes"]
    return {
        "runs": str(len(e.records)),
        "transfer_gap": f"{s['transfer_gap']:.3f}",
        "vertex_move": f"{base['parabola_log2'] - target['parabola_log2']:.2f}",
        "spread": f"{s['seed_spread_at_optimum']:.3f}",
    }


def verdicts(e) -> dict:
    s = e.series("gpt2", "completep")
    return {
        "28 runs": len(e.records) == 28,
        "the optimum is -6 at the base and -7 at the target":
            [(r["width"], r["depth"], r["best_log2"]) for r in s["sizes"]] == [(64, 2, -6), (256, 8, -7)],
        "not met: the base's optimum costs the target more than 0.02 nats": s["transfer_gap"] > 0.02,
    }
