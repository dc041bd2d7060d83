"""What docs/evidence/lr-bert.md says of BERT's readout-multiplier ablations (this folder holds several result files,
each one probe; the BERT block ablation's claims stay in tests/test_bert_block_ablation.py): numbers and verdicts."""
import json

from mutransformers import sweep as sw
from mutransformers.sweep.experiment import Experiment


def record_sets(e) -> dict:
    at_512 = [r for r in e.load("multipliers.jsonl") if r["attn_mult"] == 1.0 and r["width"] == 512]
    seed1_512 = [r for r in e.load("output_mult_512_seed1.jsonl") if r["width"] == 512]  # its width 64: copies
    return {"output_mult": e.load("output_mult.jsonl") + seed1_512 + at_512,
            "untied": e.load("untied.jsonl"), "untied_zero_readout": e.load("untied_zero_readout.jsonl"),
            "modernbert": e.load("modernbert_output_mult.jsonl")}


def _probe(e) -> dict:
    """The 2^-9, seed-0 multiplier probe: {(width, attn_mult, output_mult): loss}."""
    return {(r["width"], r["attn_mult"], r["output_mult"]): r["eval_loss"] for r in e.load("multipliers.jsonl")}


def _variant_costs(e) -> dict:
    """What each optimizer-level variant costs width 512 against its own seed's as-built run."""
    probe = _probe(e)
    seed1 = [r["eval_loss"] for r in e.load("output_mult_512_seed1.jsonl")
             if r["width"] == 512 and r["output_mult"] == 1.0]
    as_built = {0: probe[(512, 1.0, 1.0)], 1: seed1[0]}
    return {(r["variant"], r["seed"]): r["eval_loss"] - as_built[r["seed"]] for r in e.load("optimizer.jsonl")}


def _at(records, width, mult, seed=None) -> float:
    losses = [r["eval_loss"] for r in records if (r["width"], r["output_mult"]) == (width, mult)
              and seed in (None, r["seed"])]
    return sum(losses) / len(losses)


def numbers(e) -> dict:
    probe, costs = _probe(e), _variant_costs(e)
    sp_best = Experiment(e.folder.parent / "lr_transfer_bert").series("bert", "sp")["widths"][-1]["best_loss"]
    om = sw.analyze(e.record_set("output_mult"))["bert mup output_mult"]
    om_256 = sw.analyze(e.load("output_mult.jsonl"))["bert mup output_mult"]
    wide = e.record_set("output_mult")
    gains = [_at(wide, 512, 1.0, s) - _at(wide, 512, 8.0, s) for s in (0, 1)]
    untied, zero = e.record_set("untied"), e.record_set("untied_zero_readout")
    modern = sw.analyze(e.record_set("modernbert"))["modernbert mup output_mult"]
    adam = {r["width"]: r for r in json.loads((e.folder / "adam_state.json").read_text())["widths"]}
    return {
        "probe_512_x8": f"{probe[(512, 1.0, 8.0)]:.3f}",
        "sp_best_512": f"{sp_best:.3f}",
        "x8_below_64": f"{probe[(64, 1.0, 2.0)] - probe[(512, 1.0, 8.0)]:.2f}",
        "base_optimum_cost_seed0": f"{probe[(512, 1.0, 2.0)] - probe[(512, 1.0, 8.0)]:.3f}",
        "vector_cost": f"{costs[('vector_lr_div_width_mult', 0)]:.3f}",
        "vector_cost_seed1": f"{costs[('vector_lr_div_width_mult', 1)]:.3f}",
        "embedding_cost": f"{costs[('embedding_lr_div_width_mult', 0)]:.3f}",
        "umup_cost": f"{costs[('embedding_lr_div_sqrt_width_mult', 0)]:.3f}",
        "umup_cost_seed1": f"{costs[('embedding_lr_div_sqrt_width_mult', 1)]:.3f}",
        "om_gap_256": f"{om_256['transfer_gap']:.3f}",
        "om_vertices_256": " / ".join(f"{r['parabola_log2']:.2f}" for r in om_256["widths"]),
        "om_gains_512": f"{gains[0]:.3f} and {gains[1]:.3f}",
        "om_gap_512": f"{om['transfer_gap']:.3f}",
        "om_spread_256": f"{om_256['seed_spread_at_optimum']:.3f}",
        "untied_512": f"{_at(untied, 512, 1.0):.3f} → {_at(untied, 512, 8.0):.3f}",
        "zero_512": f"{_at(zero, 512, 1.0):.3f} → {_at(zero, 512, 8.0):.3f}",
        "adam_64": f"{adam[64]['smallest_median_over_eps']:.0f}",
        "adam_512": f"{adam[512]['smallest_median_over_eps']:.0f}",
        "modern_vertices": " / ".join(f"{r['parabola_log2']:.2f}" for r in modern["widths"]),
        "modern_gap": f"{modern['transfer_gap']:.3f}",
        "modern_best": f"{modern['widths'][0]['best_loss']:.3f} to {modern['widths'][-1]['best_loss']:.3f}",
        "modern_margin": f"{modern['margin_below_unigram']:.2f}",
    }


def verdicts(e) -> dict:
    probe = _probe(e)
    runs = e.load("multipliers.jsonl")
    om_256 = sw.analyze(e.load("output_mult.jsonl"))["bert mup output_mult"]
    om = sw.analyze(e.record_set("output_mult"))["bert mup output_mult"]
    zero, untied = e.record_set("untied_zero_readout"), e.record_set("untied")
    modern = sw.analyze(e.record_set("modernbert"))["modernbert mup output_mult"]
    adam = {r["width"]: r for r in json.loads((e.folder / "adam_state.json").read_text())["widths"]}
    best = lambda w, hp: min((v, k) for k, v in probe.items() if k[0] == w and (  # noqa: E731
        k[1] == 1.0 if hp == "output_mult" else k[2] == 1.0))[1][2 if hp == "output_mult" else 1]
    return {
        "the probe: 12 muP runs at 2^-9, seed 0, BERT's protocol": len(runs) == 12 and all(
            r["param"] == "mup" and r["log2_lr"] == -9 and r["seed"] == 0 and r["steps"] == 600 for r in runs),
        "output_mult's optimum is x2 at width 64 and x8 at 512; attn_mult's x2 at both":
            (best(64, "output_mult"), best(512, "output_mult"), best(64, "attn_mult"), best(512, "attn_mult"))
            == (2.0, 8.0, 2.0, 2.0),
        "every optimizer-level variant costs width 512": all(v > 0 for v in _variant_costs(e).values()),
        "over widths 64-256 output_mult moves 1 step (x2, x4, x4), wider better, the best loss falling":
            [r["best_log2"] for r in om_256["widths"]] == [1, 2, 2] and om_256["optimum_shift_steps"] == 1
            and om_256["wider_better_near_optimum"] and om_256["best_loss_falls_with_width"],
        "at width 512 the seed mean's optimum is x8 (2 steps from width 64's x2); seed 1 alone x4":
            [r["best_log2"] for r in om["widths"]][-1] == 3 and om["optimum_shift_steps"] == 2
            and min((_at(e.record_set("output_mult"), 512, m, 1), m) for m in (1.0, 2.0, 4.0, 8.0))[1] == 4.0,
        "untied, x8 beats x1 at width 512 on each seed": all(
            _at(untied, 512, 8.0, s) < _at(untied, 512, 1.0, s) for s in (0, 1)),
        "a zero-initialized readout stays within 0.3 nats of the unigram plateau":
            all(r["unigram_loss"] - r["eval_loss"] < 0.3 for r in zero),
        "Adam's epsilon is at least 100x below every parameter's median gradient scale, no entry below 10x":
            all(adam[w]["smallest_median_over_eps"] > 100 and adam[w]["largest_fraction_below_10_eps"] == 0
                for w in (64, 512)),
        "ModernBERT's output_mult moves 1 step (x2, x4, x2, x2) at no cost to transfer":
            [r["best_log2"] for r in modern["widths"]] == [1, 2, 1, 1] and modern["optimum_shift_steps"] == 1
            and round(modern["transfer_gap"], 3) == 0.0,
    }
