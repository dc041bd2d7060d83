"""The BERT block ablation's edits (benchmarks/bert_block_ablation.py) do what the README says they do."""
import sys
from pathlib import Path

import pytest
import torch

from mutransformers.sweep.train import RunConfig, build_model, make_optimizer

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
import bert_block_ablation as ablation  # noqa: E402

RUN = RunConfig(arch="bert", param="mup", width=64, log2_lr=-8, seed=0, base_width=32, steps=2, batch_size=2,
                seq_len=8, vocab_size=64, eval_batches=1)


def _model(edit=None):
    torch.manual_seed(0)
    model = build_model(RUN)
    if edit:
        edit(model, RUN)
    return model


def _zero_branch_outputs(model):
    for layer in model.bert.encoder.layer:
        for dense in (layer.attention.output.dense, layer.output.dense):
            dense.weight.data.zero_()
            dense.bias.data.zero_()


def test_pre_ln_adds_branches_to_an_unnormalized_stream_and_normalizes_before_the_head():
    ids = torch.randint(0, RUN.vocab_size, (2, RUN.seq_len))
    for edit, stream_rms in ((None, 1.0), (ablation.pre_ln, 3.0)):
        model = _model(edit)
        model.bert.embeddings.LayerNorm.weight.data.fill_(3.0)  # a residual stream of RMS 3
        _zero_branch_outputs(model)  # each block then adds nothing
        hidden = model.bert(input_ids=ids).last_hidden_state
        # post-LN renormalizes the sum to RMS 1; pre-LN passes the stream through
        assert hidden.pow(2).mean().sqrt().item() == pytest.approx(stream_rms, rel=1e-3)
    seen = {}
    model.cls.predictions.transform.dense.register_forward_pre_hook(lambda m, args: seen.update(x=args[0]))
    model(input_ids=ids)
    assert seen["x"].pow(2).mean().sqrt().item() == pytest.approx(1.0, rel=1e-3)  # the final norm
    optimized = {id(p) for group in make_optimizer(model, RUN).param_groups for p in group["params"]}
    assert all(id(p) in optimized for p in model.parameters())  # the new final norm trains too


def test_rope_positions_make_attention_scores_depend_on_the_offset_only():
    model = _model(ablation.rope_positions)
    positions = model.bert.embeddings.position_embeddings.weight
    assert not positions.requires_grad and not positions.any()
    rotate = ablation._rotate_by_position(head_dim=16)
    same = torch.randn(1, 1, 4 * 16).expand(1, 6, 4 * 16)  # one vector at six positions, four heads
    rotated = rotate(None, None, same).view(6, 4, 16)
    scores = torch.einsum("ihd,jhd->hij", rotated, rotated)
    assert torch.allclose(scores[:, 1:, 1:], scores[:, :-1, :-1], atol=1e-4)  # shift-invariant
    assert not torch.allclose(scores[:, 0, 0], scores[:, 0, 3], atol=1e-2)  # yet it sees the offset
    for layer in model.bert.encoder.layer:  # muP zero-initializes queries: attention is uniform until trained
        torch.nn.init.normal_(layer.attention.self.query.weight, std=0.5)
    ids = torch.randint(0, RUN.vocab_size, (1, RUN.seq_len))
    logits = model(input_ids=ids).logits
    assert not torch.allclose(model(input_ids=ids.flip(1)).logits.flip(1), logits, atol=1e-4)  # order matters


def test_no_block_biases_stay_zero_through_training_steps():
    model = _model(ablation.no_block_biases)
    optimizer = make_optimizer(model, RUN)
    ids = torch.randint(0, RUN.vocab_size, (2, RUN.seq_len))
    for _ in range(2):
        model(input_ids=ids, labels=ids).loss.backward()
        optimizer.step()
        optimizer.zero_grad()
    layer = model.bert.encoder.layer[0]
    assert not layer.attention.self.query.bias.any() and not layer.output.dense.bias.any()
    assert layer.output.LayerNorm.bias.any()  # the norms keep theirs


def test_edits_combine_and_a_misspelt_one_is_named():
    model = _model(ablation.edit_for("no_norm_biases+zero_init_positions"))
    assert not any(m.bias.requires_grad or m.bias.any() for m in model.modules() if isinstance(m, torch.nn.LayerNorm))
    positions = model.bert.embeddings.position_embeddings.weight
    assert positions.requires_grad and not positions.any()  # zeroed, still learned
    with pytest.raises(Exception, match="pre_lm"):
        ablation._variant("pre_lm+rope_positions")


def test_scaled_out_init_draws_branch_outputs_and_the_head_dense_as_modernbert_does():
    plain, scaled = _model(), _model(ablation.scaled_out_init)
    pairs = [(plain.bert.encoder.layer[1].output.dense, scaled.bert.encoder.layer[1].output.dense),
             (plain.cls.predictions.transform.dense, scaled.cls.predictions.transform.dense)]
    assert all(torch.allclose(b.weight, a.weight / 2) for a, b in pairs)  # 1 / sqrt(2 L), L = 2
    query = (plain.bert.encoder.layer[0].attention.self.query, scaled.bert.encoder.layer[0].attention.self.query)
    assert torch.equal(query[0].weight, query[1].weight)  # the rest as drawn
