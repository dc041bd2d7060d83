"""The GPT-2 position-table ablation (benchmarks/gpt2_positions_ablation.py): its runs are the HP sweep's own and its
edit does what its docstring says."""
import sys
from pathlib import Path

import torch

from mutransformers import sweep as sw
from mutransformers.sweep.train import RunConfig, build_model

from cases import seed_means, train_two_steps

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
import gpt2_positions_ablation as ablation  # noqa: E402

DOCS = Path(__file__).resolve().parents[1] / "docs"


def test_the_runs_are_the_hp_sweeps_own_widest_first():
    jobs = ablation.runs(["no_positions"], [64, 256], [-7.0], [0], {"input_mult": [1.0, 8.0]})
    assert [run.width for _, run in jobs] == [256, 256, 64, 64]
    committed = {r["key"] for r in sw.load(DOCS / "hp_transfer_gpt2_input_mult.jsonl")}
    assert {run.key() for _, run in jobs if run.input_mult == 8.0} <= committed  # same keys: the sweep's numbers


def test_no_positions_zeroes_and_freezes_the_table_and_the_model_still_trains():
    run = RunConfig(arch="gpt2", param="mup", width=64, log2_lr=-7, seed=0, base_width=32, steps=2, batch_size=2,
                    seq_len=8, vocab_size=64, eval_batches=1, input_mult=4.0)
    torch.manual_seed(0)
    model = build_model(run)
    ablation.edit_for("no_positions")(model, run)
    wpe = model.transformer.wpe.weight
    assert not wpe.requires_grad and not wpe.any()
    before = model.transformer.wte.weight.detach().clone()
    train_two_steps(model, run)
    assert not wpe.any() and not torch.equal(before, model.transformer.wte.weight)


def test_committed_no_positions_input_mult_matches_the_readme():
    """Without its position table GPT-2's input_mult drifts as with it: x8 -> x2 -> x2, 2 steps, 0.028 nats."""
    records = sw.load(DOCS / "gpt2_ablation" / "input_mult.jsonl")
    assert len(records) == 30 and {r["variant"] for r in records} == {"no_positions"}
    assert {r["steps"] for r in records} == {300} and {r["log2_lr"] for r in records} == {-7}
    assert not any(r["diverged"] for r in records)
    s = sw.analyze([{k: v for k, v in r.items() if k != "variant"} for r in records])["gpt2 mup input_mult"]
    assert [(r["width"], r["best_log2"], r["seed_optima_log2"]) for r in s["widths"]] == [
        (64, 3, [3, 3]), (128, 1, [2, 1]), (256, 1, [1, 1])]
    assert [round(r["parabola_log2"], 2) for r in s["widths"]] == [2.87, 1.49, 0.94]
    assert s["optimum_shift_steps"] == 2 and round(s["transfer_gap"], 3) == 0.028 and s["wider_better_near_optimum"]
    means = seed_means(records, "width", "input_mult")
    assert [means[(256, m)] for m in (1, 2, 4, 8, 16)] == [4.465, 4.46, 4.466, 4.487, 4.523]
