"""What docs/evidence/hp-llama.md says of Llama's every-HP experiment with the readout tied: numbers, verdicts."""


def numbers(e) -> dict:
    hps = ("init_std", "output_mult", "input_mult", "attn_mult")
    spreads = [e.series("llama", "mup", hp)["seed_spread_at_optimum"] for hp in hps]
    return {
        "runs": str(len(e.records)),
        "max_cost": f"{max(e.series('llama', 'mup', hp)['transfer_gap'] for hp in hps):.3f}",
        "spreads": f"{min(spreads):.3f}–{max(spreads):.3f}",
        "input_cost": f"{e.series('llama', 'mup', 'input_mult')['transfer_gap']:.3f}",
        "best_256": f"{min(e.curve('mup', 256, 'input_mult').values()):.3f}",
    }


def verdicts(e) -> dict:
    hps = ("init_std", "output_mult", "input_mult", "attn_mult")
    s = {hp: e.series("llama", "mup", hp) for hp in hps}
    return {
        "120 runs of 300 steps, all tied": len(e.records) == 120 and {r["steps"] for r in e.records} == {300}
            and {r["config_set"] for r in e.records} == {"tie_word_embeddings=true"}
            and not any(r["diverged"] for r in e.records),
        "every multiplier moves at most 1 grid step (init_std 0, output_mult 0, input_mult 1, attn_mult 1)":
            {hp: s[hp]["optimum_shift_steps"] for hp in hps}
            == {"init_std": 0, "output_mult": 0, "input_mult": 1, "attn_mult": 1},
        "wider is better near every optimum, for all four": all(s[hp]["wider_better_near_optimum"] for hp in hps),
        "width 64's optima cost width 256 at most 0.008 nats": max(s[hp]["transfer_gap"] for hp in hps) < 0.0085,
        "input_mult is bracketed: x8, x4, x4, inside the grid to x32":
            [r["best_log2"] for r in s["input_mult"]["widths"]] == [3, 2, 2],
    }
