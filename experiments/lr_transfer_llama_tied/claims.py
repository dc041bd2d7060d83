"""What docs/evidence/hp-llama.md says of Llama's LR experiment with the readout tied: numbers and verdicts."""
from mutransformers.sweep.experiment import Experiment


def numbers(e) -> dict:
    s = e.series("llama", "mup")
    built = Experiment(e.folder.parent / "lr_transfer_llama").series("llama", "mup")  # the same runs untied
    vertex = [r["parabola_log2"] for r in s["widths"]]
    return {
        "runs": str(len(e.records)),
        "at_-5": " / ".join(f"{e.seed_mean('mup', w, -5.0):.3f}" for w in (64, 128, 256, 512)),
        "vertex_move": f"{abs(vertex[0] - vertex[-1]):.2f}",
        "built_vertex_move": f"{abs(built['widths'][0]['parabola_log2'] - built['widths'][-1]['parabola_log2']):.2f}",
        "built_best": " / ".join(f"{r['best_loss']:.3f}" for r in built["widths"]),
        "tied_best_256": f"{s['widths'][2]['best_loss']:.3f}",
        "tied_best_512": f"{s['widths'][3]['best_loss']:.3f}",
    }


def verdicts(e) -> dict:
    s = e.series("llama", "mup")
    return {
        "40 runs of 300 steps, all tied": len(e.records) == 40 and {r["steps"] for r in e.records} == {300}
            and {r["config_set"] for r in e.records} == {"tie_word_embeddings=true"},
        "the optimum holds at -6 on both seeds at every width 64-512 (0 steps, no cost to transfer)":
            [(r["width"], r["best_log2"], r["seed_optima_log2"]) for r in s["widths"]]
            == [(w, -6, [-6, -6]) for w in (64, 128, 256, 512)]
            and s["optimum_shift_steps"] == 0 and round(s["transfer_gap"], 3) == 0.0,
        "the best loss falls with every doubling": s["best_loss_falls_with_width"],
        "wider is not better at -5 only (the edge of stability, as built)":
            s["values_where_wider_is_not_better_log2"] == [-5.0],
    }
