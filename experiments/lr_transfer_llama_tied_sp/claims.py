"""What docs/evidence/hp-llama.md says of SP Llama's LR experiment with the readout tied: numbers and verdicts."""


def numbers(e) -> dict:
    return {"runs": str(len(e.records)), "transfer_gap": f"{e.series('llama', 'sp')['transfer_gap']:.3f}"}


def verdicts(e) -> dict:
    s = e.series("llama", "sp")
    return {
        "36 runs of 300 steps, all tied": len(e.records) == 36 and {r["steps"] for r in e.records} == {300}
            and {r["config_set"] for r in e.records} == {"tie_word_embeddings=true"},
        "SP's optimum moves 3 steps (-6, -8, -9) on both seeds, as untied":
            [(r["width"], r["best_log2"], r["seed_optima_log2"]) for r in s["widths"]]
            == [(64, -6, [-6, -6]), (128, -8, [-8, -8]), (256, -9, [-9, -9])] and s["optimum_shift_steps"] == 3,
        "SP's best loss rises with width": all(a["best_loss"] < b["best_loss"]
                                               for a, b in zip(s["widths"], s["widths"][1:])),
    }
