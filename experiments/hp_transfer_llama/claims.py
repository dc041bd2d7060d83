"""What docs/evidence/hp-llama.md says of Llama's every-HP experiment (TP V Fig. 4): numbers and verdicts."""


def numbers(e) -> dict:
    mup = lambda hp: e.series("llama", "mup", hp)  # noqa: E731
    out_128 = e.curve("mup", 128, "output_mult")
    attn = {w: e.curve("mup", w, "attn_mult") for w in (64, 128, 256)}
    return {
        "mup_runs": str(sum(r["param"] == "mup" for r in e.records)),
        "output_x2_x4_128": f"{abs(out_128[1.0] - out_128[2.0]):.3f}",
        "attn_differences": f"{max(max(c[v] for v in (-2.0, -1.0, 0.0)) - min(c.values()) for c in attn.values()):.3f}",
        "attn_spread": f"{mup('attn_mult')['seed_spread_at_optimum']:.3f}",
        "sp_default": " / ".join(f"{e.curve('sp', w, 'output_mult')[0.0]:.3f}" for w in (64, 128, 256)),
        "mup_default": " / ".join(f"{e.curve('mup', w, 'output_mult')[0.0]:.3f}" for w in (64, 128, 256)),
    }


def verdicts(e) -> dict:
    mup = lambda hp: e.series("llama", "mup", hp)  # noqa: E731
    hps = ("init_std", "output_mult", "input_mult", "attn_mult")
    sp_default = [e.curve("sp", w, "output_mult")[0.0] for w in (64, 128, 256)]
    return {
        "204 runs (102 muP), no muP run diverged": len(e.records) == 204
            and not any(r["diverged"] for r in e.records if r["param"] == "mup"),
        "muP's optima move init_std 0, output_mult 1, input_mult 0, attn_mult 2 grid steps":
            {hp: mup(hp)["optimum_shift_steps"] for hp in hps}
            == {"init_std": 0, "output_mult": 1, "input_mult": 0, "attn_mult": 2},
        "wider is better near every optimum, for every HP": all(mup(hp)["wider_better_near_optimum"] for hp in hps),
        "input_mult's optimum is the grid's top (x4) at every width":
            [r["best_log2"] for r in mup("input_mult")["widths"]] == [2, 2, 2],
        "attn_mult's optimum moves x1/4 -> x1/2 -> x1 with both seeds agreeing":
            [r["seed_optima_log2"] for r in mup("attn_mult")["widths"]] == [[-2, -2], [-1, -1], [0, 0]],
        "at muP's LR SP's loss at the default multipliers rises with every doubling":
            sp_default[0] < sp_default[1] < sp_default[2],
    }
