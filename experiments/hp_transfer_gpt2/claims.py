"""What docs/evidence/hp-gpt2.md says of this experiment (TP V Fig. 4 on GPT-2): the numbers it quotes, and its
verdicts."""
from mutransformers.sweep.experiment import fixed


def _times(log2_ratio) -> str:
    return {-2: "¼", -1: "½"}.get(round(log2_ratio), f"{2 ** round(log2_ratio):g}")


def _losses(e, param, hp, width) -> dict:
    """{multiplier: seed-mean loss} along one HP at one width, the others at their defaults."""
    return {2.0 ** value: loss for value, loss in e.curve(param, width, hp).items()}


def numbers(e) -> dict:
    mup = lambda hp: e.series("gpt2", "mup", hp)  # noqa: E731
    attn = {w: _losses(e, "mup", "attn_mult", w) for w in (64, 128, 256)}
    inp = {w: _losses(e, "mup", "input_mult", w) for w in (64, 128)}
    sp_default = [_losses(e, "sp", "output_mult", w)[1.0] for w in (64, 128, 256)]
    mup_default = [_losses(e, "mup", "output_mult", w)[1.0] for w in (64, 128, 256)]
    spreads = [r["seed_spread_at_optimum"] for r in mup("attn_mult")["widths"]]
    return {
        "mup_runs": str(sum(r["param"] == "mup" for r in e.records)),
        "input_mult_top_gaps": " and ".join(f"{inp[w][2.0] - inp[w][4.0]:.3f}" for w in (64, 128)),
        "attn_flat": f"{max(max(attn[w][v] for v in (0.25, 0.5, 1.0)) - min(attn[w][v] for v in (0.25, 0.5, 1.0)) for w in attn):.3f}",
        "attn_spreads": f"{min(spreads):.3f}–{max(spreads):.3f}",
        "attn_seed_optima_128": " and ".join(sorted({_times(v) for v in mup("attn_mult")["widths"][1]["seed_optima_log2"]},
                                                    key=lambda t: {"¼": 0.25, "½": 0.5}.get(t, 1))),
        "attn_x4_penalty": ", ".join(f"{attn[w][4.0] - min(attn[w].values()):.3f}" for w in attn),
        "init_vertices": ", ".join(fixed(r["parabola_log2"]) for r in mup("init_std")["widths"]),
        "sp_default": " / ".join(f"{v:.3f}" for v in sp_default),
        "mup_default": " / ".join(f"{v:.3f}" for v in mup_default),
        "sp_input_x4_256": f"{_losses(e, 'sp', 'input_mult', 256)[4.0]:.3f}",
    }


def verdicts(e) -> dict:
    mup = lambda hp: e.series("gpt2", "mup", hp)  # noqa: E731
    hps = ("init_std", "output_mult", "input_mult", "attn_mult")
    attn = {w: _losses(e, "mup", "attn_mult", w) for w in (64, 128, 256)}
    penalty = [attn[w][4.0] - min(attn[w].values()) for w in attn]
    sp_default = [_losses(e, "sp", "output_mult", w)[1.0] for w in (64, 128, 256)]
    return {
        "204 runs (102 muP, 102 SP), none diverged": len(e.records) == 204 and not any(r["diverged"] for r in e.records),
        "muP's optima move init_std 0, output_mult 0, input_mult 1, attn_mult 2 grid steps":
            {hp: mup(hp)["optimum_shift_steps"] for hp in hps}
            == {"init_std": 0, "output_mult": 0, "input_mult": 1, "attn_mult": 2},
        "init_std, output_mult and input_mult: wider better near the optima, the seeds within a step":
            all(mup(hp)["wider_better_near_optimum"] and all(r["seeds_agree"] for r in mup(hp)["widths"])
                for hp in hps[:3]),
        "input_mult's optimum is the grid's top (x4) at widths 64 and 128, x2 at 256":
            [r["best_log2"] for r in mup("input_mult")["widths"]] == [2, 2, 1],
        "attn_mult is flat: x1/4, x1/2 and x1 lie within 0.007 nats at every width":
            all(max(attn[w][v] for v in (0.25, 0.5, 1.0)) - min(attn[w][v] for v in (0.25, 0.5, 1.0)) < 0.007
                for w in attn),
        "attn_mult's x4 penalty falls with width": penalty[0] > penalty[1] > penalty[2],
        "at muP's LR SP's widest model is worse than its narrowest, and SP's init_std best loss does not fall":
            sp_default[2] > sp_default[0] and not e.series("gpt2", "sp", "init_std")["best_loss_falls_with_width"],
    }
