"""What docs/evidence/hp-llama.md says of Llama's input multiplier with the embeddings at lr / sqrt(width_mult)
(u-muP's rule), against muP's rule (../hp_transfer_llama + ../hp_transfer_llama_input_mult): numbers, verdicts."""
from mutransformers import sweep as sw


def record_sets(e) -> dict:
    mup = [r for name in ("../hp_transfer_llama/results.jsonl", "../hp_transfer_llama_input_mult/results.jsonl")
           for r in e.load(name) if r["param"] == "mup" and r["output_mult"] == 1 and r["attn_mult"] == 1
           and r["init_std"] == 0.069282 and r["input_mult"] >= 1]
    umup = [{k: v for k, v in r.items() if k != "variant"} for r in e.records]  # a sweep's rows, labelled
    return {"mup": mup, "umup": [r for r in mup if r["width"] == 64] + umup}


def _reports(e) -> dict:
    return {label: sw.analyze(e.record_set(label))["llama mup input_mult"] for label in ("mup", "umup")}


def numbers(e) -> dict:
    reports = _reports(e)
    optima = lambda label: ", ".join(f"×{2 ** r['best_log2']:g}" for r in reports[label]["widths"])  # noqa: E731
    best = lambda label: " and ".join(f"{r['best_loss']:.3f}" for r in reports[label]["widths"][1:])  # noqa: E731
    return {
        "runs": str(len(e.records)),
        "umup_optima": optima("umup"),
        "umup_shift": str(reports["umup"]["optimum_shift_steps"]),
        "mup_shift": str(reports["mup"]["optimum_shift_steps"]),
        "umup_gap": f"{reports['umup']['transfer_gap']:.3f}",
        "mup_gap": f"{reports['mup']['transfer_gap']:.3f}",
        "umup_best": best("umup"),
        "mup_best": best("mup"),
        "umup_vertex_256": f"{reports['umup']['widths'][-1]['parabola_log2']:.2f}",
        "umup_spread": f"{reports['umup']['seed_spread_at_optimum']:.3f}",
    }


def verdicts(e) -> dict:
    reports = _reports(e)
    return {
        "24 runs of the u-muP variant at widths 128 and 256, seeds 0-1, log2 LR -6":
            len(e.records) == 24 and {r["variant"] for r in e.records} == {"embedding_lr_div_sqrt_width_mult"}
            and {(r["width"], r["seed"], r["log2_lr"]) for r in e.records} == {(w, s, -6.0) for w in (128, 256)
                                                                                 for s in (0, 1)},
        "the optimum is x32, x32, x16 under u-muP's rule (1 step), x32, x16, x8 under muP's (2 steps)":
            [2 ** r["best_log2"] for r in reports["umup"]["widths"]] == [32, 32, 16]
            and [2 ** r["best_log2"] for r in reports["mup"]["widths"]] == [32, 16, 8]
            and (reports["umup"]["optimum_shift_steps"], reports["mup"]["optimum_shift_steps"]) == (1, 2),
        "u-muP's rule costs less to transfer and leaves the best losses within 0.002 nats":
            reports["umup"]["transfer_gap"] < reports["mup"]["transfer_gap"]
            and all(abs(a["best_loss"] - b["best_loss"]) < 0.0025
                    for a, b in zip(reports["umup"]["widths"], reports["mup"]["widths"])),
        "wider is better near the optima under u-muP's rule": reports["umup"]["wider_better_near_optimum"],
    }
