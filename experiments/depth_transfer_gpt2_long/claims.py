"""What docs/evidence/depth.md says of GPT-2's longer depth protocol (GPU): numbers and verdicts."""
from mutransformers.sweep.experiment import fixed


def train_loss(e, param, depth, lr) -> float:
    losses = [r["train_loss"] for r in e.records if (r["param"], r["n_layer"], r["log2_lr"]) == (param, depth, lr)]
    return sum(losses) / len(losses)


def numbers(e) -> dict:
    s = {p: e.series("gpt2", p) for p in ("mup", "completep", "depth_mup")}
    vertices = lambda p: f"{fixed(s[p]['depths'][0]['parabola_log2'])} → " \
                         f"{fixed(s[p]['depths'][-1]['parabola_log2'])}"  # noqa: E731
    return {
        "runs": str(len(e.records)),
        "completep_vertices": vertices("completep"),
        "mup_vertices": vertices("mup"),
        "depth_mup_vertices": vertices("depth_mup"),
        "completep_best": f"{s['completep']['depths'][0]['best_loss']:.3f} → "
                          f"{s['completep']['depths'][-1]['best_loss']:.3f}",
        "train_loss_at_-7": f"{train_loss(e, 'completep', 2, -7.0):.2f} → {train_loss(e, 'completep', 16, -7.0):.2f}",
    }


def verdicts(e) -> dict:
    s = {p: e.series("gpt2", p) for p in ("mup", "completep", "depth_mup")}
    return {
        "168 runs on a GPU": len(e.records) == 168 and {r["device"] for r in e.records} == {"cuda"},
        "CompleteP's optimum moves 1 step (-7 -> -8), Depth-muP's none, muP's 1":
            [r["best_log2"] for r in s["completep"]["depths"]] == [-7, -7, -8, -8]
            and [r["best_log2"] for r in s["depth_mup"]["depths"]] == [-7] * 4
            and [r["best_log2"] for r in s["mup"]["depths"]] == [-7, -7, -8, -8],
        "not met: deeper is worse under every parametrization":
            all(not x["deeper_better_near_optimum"] and not x["best_loss_falls_with_depth"] for x in s.values()),
        "under-fitting: at 2^-7 CompleteP's training loss rises with depth":
            train_loss(e, "completep", 16, -7.0) > train_loss(e, "completep", 2, -7.0),
    }
