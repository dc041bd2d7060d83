"""The Llama attention ablation (benchmarks/llama_attention_ablation.py): its edits do what its docstring and the
README say they do."""
import dataclasses
import sys
from pathlib import Path

import pytest
import torch

from mutransformers import sweep as sw
from mutransformers.sweep.train import RunConfig, build_model

from cases import seed_means, train_two_steps

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
import llama_attention_ablation as ablation  # noqa: E402
from optimizer_ablation import variant_checker  # noqa: E402

RUN = RunConfig(arch="llama", param="mup", width=64, log2_lr=-6, seed=0, base_width=32, steps=2, batch_size=2,
                seq_len=8, vocab_size=64, eval_batches=1)


def _model(variant=None, run=RUN):
    torch.manual_seed(0)
    model = build_model(run)
    if variant:
        ablation.edit_for(variant)(model, run)
    return model


def _last_logits_after_shuffling_the_prefix(model):
    """The last position's logits for a sequence and for the same sequence with its prefix reversed."""
    for layer in model.model.layers:  # attention far from uniform, so that the order could show
        torch.nn.init.normal_(layer.self_attn.q_proj.weight, std=0.5)
        torch.nn.init.normal_(layer.self_attn.k_proj.weight, std=0.5)
    ids = torch.randint(0, RUN.vocab_size, (1, RUN.seq_len))
    shuffled = torch.cat([ids[:, :-1].flip(1), ids[:, -1:]], dim=1)
    with torch.no_grad():
        return model(input_ids=ids).logits[0, -1], model(input_ids=shuffled).logits[0, -1]


def test_no_rope_leaves_only_the_causal_mask_as_a_position_signal():
    one_layer = dataclasses.replace(RUN, n_layer=1)  # deeper, each prefix token's own prefix changes with the order
    plain, shuffled = _last_logits_after_shuffling_the_prefix(_model("no_rope", one_layer))
    assert torch.allclose(plain, shuffled, atol=1e-5)  # the last token sees its prefix as a set
    plain, shuffled = _last_logits_after_shuffling_the_prefix(_model(None, one_layer))
    assert not torch.allclose(plain, shuffled, atol=1e-3)  # with RoPE it sees the order


def test_learned_positions_are_a_trained_input_weight_that_restores_order():
    model = _model("no_rope+learned_positions")
    table = model.model.embed_tokens.position_table.weight
    assert table.shape == (model.config.max_position_embeddings, RUN.width)
    assert table.infshape.ninf() == 1 and table.infshape[1].base_dim == RUN.base_width  # muP: an input weight
    assert table.std().item() == pytest.approx(model.config.initializer_range, rel=0.05)
    plain, shuffled = _last_logits_after_shuffling_the_prefix(model)
    assert not torch.allclose(plain, shuffled, atol=1e-3)
    before = table.detach().clone()
    train_two_steps(model, RUN)
    assert not torch.equal(before, table)  # in the optimizer, trained


def test_gelu_mlp_is_ungated_and_up_proj_is_gone():
    model = _model("gelu_mlp")
    mlp = model.model.layers[0].mlp
    assert not any("up_proj" in name for name, _ in model.named_parameters())
    x = torch.randn(2, 3, RUN.width)
    expected = mlp.down_proj(torch.nn.functional.gelu(mlp.gate_proj(x), approximate="tanh"))
    assert torch.allclose(mlp(x), expected)
    train_two_steps(model, RUN)  # trains without the removed map


def test_a_misspelt_edit_is_named():
    with pytest.raises(Exception, match="no_rpe"):
        variant_checker(ablation.EDITS)("no_rpe+gelu_mlp")


def test_committed_no_rope_ablation_matches_the_readme():
    """Without RoPE Llama's attention multiplier still drifts: x1 at width 64 -> x8 (the grid's edge) at 256."""
    records = sw.load(Path(__file__).resolve().parents[1] / "docs" / "llama_ablation" / "attn_mult.jsonl")
    assert len(records) == 28 and {r["variant"] for r in records} == {"no_rope"}
    assert {r["steps"] for r in records} == {1200} and {r["log2_lr"] for r in records} == {-6}
    runs = [{k: v for k, v in r.items() if k != "variant"} for r in records]
    s = sw.analyze(runs)["llama mup attn_mult"]
    assert [(r["width"], r["best_log2"], r["seed_optima_log2"]) for r in s["widths"]] == [
        (64, 0, [0, 0]), (256, 3, [3, 2])]
    assert [round(r["parabola_log2"], 2) for r in s["widths"]] == [-0.22, 3.0]
    assert s["optimum_shift_steps"] == 3 and round(s["transfer_gap"], 3) == 0.028
    means = seed_means(records, "width", "attn_mult")
    values = (0.125, 0.25, 0.5, 1, 2, 4, 8)
    assert [means[(64, m)] for m in values] == [4.336, 4.337, 4.34, 4.335, 4.347, 4.352, 4.385]
    assert [means[(256, m)] for m in values] == [4.268, 4.264, 4.26, 4.253, 4.25, 4.228, 4.226]
