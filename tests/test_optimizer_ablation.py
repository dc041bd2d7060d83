"""experiments/bert_ablation/optimizer_ablation.py: each optimizer edit moves exactly the parameters its name says to
lr / width_mult, and no others."""
import dataclasses
import sys
from pathlib import Path

import pytest
import torch

from mutransformers.sweep.train import RunConfig, build_model, make_optimizer

EXPERIMENTS_DIR = Path(__file__).resolve().parents[1] / "experiments"  # the research scripts live there
sys.path[:0] = [str(EXPERIMENTS_DIR), str(EXPERIMENTS_DIR / "bert_ablation")]
import optimizer_ablation  # noqa: E402

RUN = RunConfig(arch="gpt2", param="mup", width=64, log2_lr=-7, seed=0, base_width=32, steps=2, batch_size=2,
                seq_len=8, vocab_size=64, eval_batches=1)


@pytest.mark.parametrize("variant, scaled", [
    ("embedding_lr_div_width_mult", {"transformer.wte.weight", "transformer.wpe.weight"}),
    ("vector_lr_div_width_mult", {"transformer.wte.weight", "transformer.wpe.weight", *(
        f"transformer.{name}" for i in range(RUN.n_layer) for name in (
            f"h.{i}.ln_1.weight", f"h.{i}.ln_1.bias", f"h.{i}.ln_2.weight", f"h.{i}.ln_2.bias",
            f"h.{i}.attn.c_attn.bias", f"h.{i}.attn.c_proj.bias", f"h.{i}.mlp.c_fc.bias", f"h.{i}.mlp.c_proj.bias")),
        "transformer.ln_f.weight", "transformer.ln_f.bias"})])
def test_an_optimizer_edit_moves_only_its_parameters_to_lr_over_width_mult(variant, scaled):
    run = dataclasses.replace(RUN, width=128, base_width=64)
    torch.manual_seed(0)
    model = build_model(run)
    optimizer = make_optimizer(model, run)
    lr_of = {id(p): g["lr"] for g in optimizer.param_groups for p in g["params"]}
    before = {name: lr_of[id(p)] for name, p in model.named_parameters()}
    optimizer_ablation.EDITS[variant](model, optimizer)
    lr_of = {id(p): g["lr"] for g in optimizer.param_groups for p in g["params"]}
    after = {name: lr_of[id(p)] for name, p in model.named_parameters()}
    changed = {name for name in before if after[name] != before[name]}
    assert changed == scaled
    assert all(after[name] == pytest.approx(before[name] / 2) for name in changed)  # width_mult 2
    assert sum(len(g["params"]) for g in optimizer.param_groups) == len(before)  # none lost, none twice
