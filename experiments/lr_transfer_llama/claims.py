"""What docs/evidence/lr-llama.md says of this experiment: the numbers it quotes, and its verdicts."""
import json
from statistics import mean

from mutransformers.sweep.experiment import fixed


def _edge(e) -> dict:
    """muP at the grid's top LR (2^-5), widths 256 and 512: {width: {seed: loss}} over the sweep's seeds 0-1 and
    the four more of edge_seeds.jsonl."""
    runs = [r for r in e.load("edge_seeds.jsonl") + e.records if r["param"] == "mup" and r["log2_lr"] == -5]
    return {w: {r["seed"]: r["eval_loss"] for r in runs if r["width"] == w} for w in (256, 512)}


def _unigram(e) -> float:
    """The runs predate the unigram field: the committed report got it from `sweep-report --data`."""
    return json.loads((e.folder / "report.json").read_text())["llama mup log2_lr"]["unigram_loss"]


def numbers(e) -> dict:
    mup, sp = e.series("llama", "mup"), e.series("llama", "sp")
    widths = [r["width"] for r in mup["widths"]]
    edge, extra = _edge(e), e.load("edge_seeds.jsonl")
    extra_seeds = {w: sorted(loss for seed, loss in edge[w].items() if seed >= 2) for w in (256, 512)}
    return {
        "run_time_sum_s": f"{sum(r['wall_s'] for r in e.records):.0f}",
        "run_time_per_width_s": " / ".join(f"{mean(r['wall_s'] for r in e.records if r['width'] == w):.0f}"
                                           for w in widths),
        "unigram": f"{_unigram(e):.3f}",
        "margin_below_unigram": f"{_unigram(e) - max(r['best_loss'] for r in mup['widths']):.2f}",
        "mup_seed_spread": f"{mup['seed_spread_at_optimum']:.3f}",
        "mup_vertices": f"{fixed(mup['widths'][0]['parabola_log2'])} → "
                        f"{fixed(mup['widths'][-1]['parabola_log2'])}",
        "sp_best_64": f"{sp['widths'][0]['best_loss']:.3f}",
        "sp_best_512": f"{sp['widths'][-1]['best_loss']:.3f}",
        "top_lr_512": f"{mean(edge[512][s] for s in (0, 1)):.3f}",
        "top_lr_256": f"{mean(edge[256][s] for s in (0, 1)):.3f}",
        "top_lr_512_seed1": f"{edge[512][1]:.3f}",
        "top_lr_512_seed0": f"{edge[512][0]:.3f}",
        "extra_runs": str(len(extra)),
        "extra_seeds_512": " / ".join(f"{v:.3f}" for v in extra_seeds[512]),
        "extra_seeds_256": " / ".join(f"{v:.3f}" for v in extra_seeds[256]),
        "extra_mean_512": f"{mean(extra_seeds[512]):.3f}",
        "extra_mean_256": f"{mean(extra_seeds[256]):.3f}",
    }


def verdicts(e) -> dict:
    mup, sp = e.series("llama", "mup"), e.series("llama", "sp")
    edge = _edge(e)
    at_512 = sorted(edge[512].values())
    return {
        "128 runs, none diverged": len(e.records) == 128 and not any(r["diverged"] for r in e.records),
        "muP's optimum is -6 at widths 64-256 and -7 at 512 (1 step); SP's moves 4 steps":
            [r["best_log2"] for r in mup["widths"]] == [-6, -6, -6, -7] and mup["optimum_shift_steps"] == 1
            and sp["optimum_shift_steps"] == 4,
        "both seeds pick the same optimum at every width, under muP and SP":
            all(len(set(r["seed_optima_log2"])) == 1 for r in mup["widths"] + sp["widths"]),
        "muP's best loss falls with every doubling, SP's does not":
            mup["best_loss_falls_with_width"] and not sp["best_loss_falls_with_width"],
        "wider is better near muP's optimum except at the top LR, 2^-5":
            mup["values_where_wider_is_not_better_log2"] == [-5.0],
        "the seeds' spread at muP's optimum is below 0.01 nats": mup["seed_spread_at_optimum"] < 0.01,
        "muP's best losses sit more than 1.5 nats below the unigram baseline":
            _unigram(e) - max(r["best_loss"] for r in mup["widths"]) > 1.5,
        "at 2^-5, six seeds per width: seeds 2-5 tie between widths 256 and 512 (within 0.02 nats)":
            [len(edge[w]) for w in (256, 512)] == [6, 6]
            and abs(mean(v for s, v in edge[512].items() if s >= 2) - mean(v for s, v in edge[256].items() if s >= 2))
            < 0.02,
        "at 2^-5 one run in six lands more than 0.15 nats above the others at width 512":
            at_512[-1] - at_512[-2] > 0.15,
    }
