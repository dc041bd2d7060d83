"""What docs/evidence/depth.md says of GPT-2's short depth protocol (width 128, depths 2-16): numbers, verdicts."""
from mutransformers.sweep.experiment import fixed


def numbers(e) -> dict:
    mup, cp = e.series("gpt2", "mup"), e.series("gpt2", "completep")
    vertex = lambda s: [r["parabola_log2"] for r in s["depths"]]  # noqa: E731
    return {
        "runs": str(len(e.records)),
        "run_time_sum_s": f"{sum(r['wall_s'] for r in e.records):.0f}",
        "unigram": f"{mup['unigram_loss']:.3f}",
        "spread": f"{max(mup['seed_spread_at_optimum'], cp['seed_spread_at_optimum']):.3f}",
        "mup_vertices": f"{fixed(vertex(mup)[0])} → {fixed(vertex(mup)[-1])}",
        "completep_vertex_range": f"{max(vertex(cp)) - min(vertex(cp)):.2f}",
        "completep_ahead": " / ".join(f"{m['best_loss'] - c['best_loss']:.3f}"
                                      for m, c in zip(mup["depths"][1:], cp["depths"][1:])),
        "completep_16_at_-5": f"{_at(e, 'completep', 16, -5.0):.2f}",
        "mup_16_at_-5": f"{_at(e, 'mup', 16, -5.0):.2f}",
        "completep_best": f"{cp['depths'][0]['best_loss']:.3f} → {cp['depths'][-1]['best_loss']:.3f}",
    }


def _at(e, param, depth, lr) -> float:
    losses = [r["eval_loss"] for r in e.records if (r["param"], r["n_layer"], r["log2_lr"]) == (param, depth, lr)]
    return sum(losses) / len(losses)


def verdicts(e) -> dict:
    mup, cp = e.series("gpt2", "mup"), e.series("gpt2", "completep")
    vertex = lambda s: [r["parabola_log2"] for r in s["depths"]]  # noqa: E731
    both = (mup, cp)
    return {
        "112 runs, none diverged": len(e.records) == 112 and not any(r["diverged"] for r in e.records),
        "the optimum is -8 at every depth 2-16 under muP and CompleteP, the seeds agreeing":
            all([r["best_log2"] for r in s["depths"]] == [-8] * 4 and s["optimum_shift_steps"] == 0
                and all(r["seeds_agree"] for r in s["depths"]) for s in both),
        "muP's vertex moves down with every depth, CompleteP's has no trend":
            all(a > b for a, b in zip(vertex(mup), vertex(mup)[1:])) and not all(
                a > b for a, b in zip(vertex(cp), vertex(cp)[1:])),
        "CompleteP beats muP at every depth above the base":
            all(c["best_loss"] < m["best_loss"] for m, c in zip(mup["depths"][1:], cp["depths"][1:])),
        "not met: deeper is worse under both": all(not s["deeper_better_near_optimum"]
                                                   and not s["best_loss_falls_with_depth"] for s in both),
    }
