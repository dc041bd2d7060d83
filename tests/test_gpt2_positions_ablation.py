"""The GPT-2 position-table ablation (benchmarks/gpt2_positions_ablation.py): its runs are the HP sweep's own and its
edit does what its docstring says."""
import sys
from pathlib import Path

import torch

from mutransformers import sweep as sw
from mutransformers.sweep.train import RunConfig, build_model

from cases import train_two_steps

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
