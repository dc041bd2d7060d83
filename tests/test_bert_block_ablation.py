"""The BERT block ablation (experiments/bert_ablation/bert_block_ablation.py): its edits do what the README says they do, and its
committed results match the README's table."""
import sys
from collections import Counter
from pathlib import Path

import pytest
import torch

from mutransformers import sweep as sw
from mutransformers.sweep.train import RunConfig, build_model, make_optimizer

from cases import seed_means, train_two_steps

EXPERIMENTS_DIR = Path(__file__).resolve().parents[1] / "experiments"  # the research scripts live there
sys.path[:0] = [str(EXPERIMENTS_DIR), str(EXPERIMENTS_DIR / "bert_ablation")]
import bert_block_ablation as ablation  # noqa: E402
from ablation import variant_checker  # noqa: E402

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
    train_two_steps(model, RUN)
    layer = model.bert.encoder.layer[0]
    assert not layer.attention.self.query.bias.any() and not layer.output.dense.bias.any()
    assert layer.output.LayerNorm.bias.any()  # the norms keep theirs


def test_removing_every_bias_leaves_only_the_decoders_as_in_modernbert():
    model = _model(ablation.edit_for("no_block_biases+no_norm_biases+no_head_bias+no_token_type"))
    train_two_steps(model, RUN)
    trained_biases = [n for n, p in model.named_parameters() if n.endswith("bias") and p.requires_grad]
    assert trained_biases == ["cls.predictions.bias"]
    assert not model.cls.predictions.transform.dense.bias.any()
    types = model.bert.embeddings.token_type_embeddings.weight
    assert not types.requires_grad and not types.any()  # the one vector every type-0 token got is gone


def test_edits_combine_and_a_misspelt_one_is_named():
    model = _model(ablation.edit_for("no_norm_biases+zero_init_positions"))
    assert not any(m.bias.requires_grad or m.bias.any() for m in model.modules() if isinstance(m, torch.nn.LayerNorm))
    positions = model.bert.embeddings.position_embeddings.weight
    assert positions.requires_grad and not positions.any()  # zeroed, still learned
    with pytest.raises(Exception, match="pre_lm"):
        variant_checker(ablation.EDITS)("pre_lm+rope_positions")


def test_glu_mlp_gates_the_mlp_with_a_new_trained_map_drawn_like_its_input():
    model = _model(ablation.edit_for("no_block_biases+glu_mlp"))
    intermediate = model.bert.encoder.layer[0].intermediate
    gate, dense = intermediate.gate, intermediate.dense
    assert gate.bias is None and gate.weight.infshape is dense.weight.infshape  # muP: a hidden weight
    assert gate.weight.std().item() == pytest.approx(dense.weight.std().item(), rel=0.05)
    x = torch.randn(2, 3, RUN.width)
    assert torch.allclose(intermediate(x), intermediate.intermediate_act_fn(dense(x)) * gate(x))
    before = gate.weight.detach().clone()
    train_two_steps(model, RUN)
    assert not torch.equal(before, gate.weight)  # in the optimizer, trained
    assert _model(ablation.glu_mlp).bert.encoder.layer[0].intermediate.gate.bias.requires_grad  # biased as dense is


def test_scaled_out_init_draws_branch_outputs_and_the_head_dense_as_modernbert_does():
    plain, scaled = _model(), _model(ablation.scaled_out_init)
    pairs = [(plain.bert.encoder.layer[1].output.dense, scaled.bert.encoder.layer[1].output.dense),
             (plain.cls.predictions.transform.dense, scaled.cls.predictions.transform.dense)]
    assert all(torch.allclose(b.weight, a.weight / 2) for a, b in pairs)  # 1 / sqrt(2 L), L = 2
    query = (plain.bert.encoder.layer[0].attention.self.query, scaled.bert.encoder.layer[0].attention.self.query)
    assert torch.equal(query[0].weight, query[1].weight)  # the rest as drawn


def _seed_means_by(records, *fields) -> dict:
    """{key: (seed mean, number of seeds)}."""
    seeds = Counter(tuple(r[f] for f in fields) for r in records)
    return {key: (mean, seeds[key]) for key, mean in seed_means(records, *fields).items()}


FOLDER = Path(__file__).resolve().parents[1] / "experiments" / "bert_ablation"


def test_committed_lr_probes_match_the_readme():
    """README, "Which part of BERT": RoPE leaves the plateau (5.094 at 2^-8), no positions or learned ones from zero
    do not; pre-LN and no block biases stay where BERT is."""
    records = sw.load(FOLDER / "block_lr64.jsonl")
    assert {r["width"] for r in records} == {64} and {r["output_mult"] for r in records} == {1.0}
    table = _seed_means_by(records, "variant", "log2_lr")
    best = {v: min((table[key][0], key[1]) for key in table if key[0] == v) for v, _ in table}
    assert all(n == 2 for _, n in table.values())  # two seeds each
    assert best == {"pre_ln": (5.871, -9), "no_block_biases": (5.898, -9), "rope_positions": (5.094, -8),
                    "no_positions": (6.068, -9), "zero_init_positions": (5.976, -9),
                    "pre_ln+rope_positions": (5.106, -8),
                    "pre_ln+rope_positions+no_block_biases+no_norm_biases": (5.096, -8),
                    "no_block_biases+no_norm_biases+no_head_bias+no_token_type": (5.827, -9),
                    "pre_ln+rope_positions+no_block_biases": (5.125, -8),
                    "pre_ln+rope_positions+no_norm_biases": (5.073, -8),
                    "pre_ln+rope_positions+no_block_biases+no_norm_biases+no_head_bias+no_token_type": (5.129, -8),
                    "pre_ln+rope_positions+no_block_biases+no_norm_biases+no_head_bias+no_token_type+glu_mlp":
                        (5.187, -8),
                    "pre_ln+rope_positions+scaled_out_init": (5.113, -8)}
    unigram = records[0]["unigram_loss"]
    assert unigram - best["rope_positions"][0] > 1.1 and unigram - best["no_positions"][0] < 0.15


def _analysed(records, variant, hp="output_mult") -> dict:
    """sweep-report's analysis of one variant's runs over ``hp`` (as ``--report`` analyses it)."""
    runs = [{k: v for k, v in r.items() if k != "variant"} for r in records if r["variant"] == variant]
    return sw.analyze(runs)[f"bert mup {hp}"]


def test_committed_output_mult_ablation_matches_the_readme():
    """README table: each variant's output_mult optimum at widths 64 and 512, its parabola vertex (sweep-report's
    rule) and what width 64's optimum costs at 512; and each seed's optimum where the README names them."""
    records = sw.load(FOLDER / "block_output_mult.jsonl")
    table = _seed_means_by(records, "variant", "width", "output_mult")
    grid = (1.0, 2.0, 4.0, 8.0)
    PR = "pre_ln+rope_positions"
    expected = {  # variant: (seeds, width 64 losses, width 512 losses, cost at 512 of width 64's optimum, vertices)
        "pre_ln": (2, [5.871, 5.825, 5.886, 5.882], [5.814, 5.708, 5.677, 5.69], 0.031, (0.93, 2.21)),
        "no_block_biases": (2, [5.898, 5.865, 5.881, 5.937], [5.819, 5.722, 5.664, 5.661], 0.061, (1.17, 3.0)),
        "no_block_biases+no_norm_biases+no_head_bias+no_token_type": (
            2, [5.827, 5.762, 5.827, 5.902], [5.674, 5.395, 5.331, 5.454], 0.064, (1.0, 1.84)),
        "rope_positions": (2, [5.094, 5.016, 5.043, 5.132], [4.935, 4.847, 4.827, 4.764], 0.083, (1.25, 3.0)),
        PR: (3, [5.121, 5.016, 5.031, 5.168], [4.918, 4.848, 4.804, 4.801], 0.047, (1.37, 3.0)),
        f"{PR}+no_block_biases": (3, [5.127, 5.013, 5.021, 5.138], [4.936, 4.822, 4.825, 4.787], 0.035, (1.43, 3.0)),
        f"{PR}+no_norm_biases": (3, [5.079, 5.035, 5.089, 5.291], [4.906, 4.836, 4.832, 4.818], 0.018, (0.95, 3.0)),
        f"{PR}+no_block_biases+no_norm_biases": (3, [5.108, 5.058, 5.078, 5.292], [4.901, 4.809, 4.826, 4.838],
                                                 0.0, (1.22, 1.35)),
        f"{PR}+no_block_biases+no_norm_biases+no_head_bias+no_token_type": (
            3, [5.221, 5.192, 5.345, 5.538], [4.895, 4.814, 4.89, 4.909], 0.0, (0.66, 1.02)),
        f"{PR}+no_block_biases+no_norm_biases+no_head_bias+no_token_type+glu_mlp": (
            2, [5.187, 5.094, 5.396, 5.453], [4.871, 4.878, 4.862, 4.961], 0.016, (0.73, 1.64)),
        f"{PR}+scaled_out_init": (2, [5.113, 4.994, 5.022, 5.022], [4.938, 4.837, 4.816, 4.828], 0.021, (1.31, 2.13)),
    }
    assert {r["variant"] for r in records} == set(expected)
    analysed = {variant: _analysed(records, variant)["widths"] for variant in expected}
    for variant, (seeds, narrow, wide, cost, vertices) in expected.items():
        assert [table[(variant, 64, m)] for m in grid] == [(v, seeds) for v in narrow], variant
        assert [table[(variant, 512, m)] for m in grid] == [(v, seeds) for v in wide], variant
        assert round(wide[narrow.index(min(narrow))] - min(wide), 3) == cost, variant
        assert {r["log2_lr"] for r in records if r["variant"] == variant} == {-9.0 if "rope" not in variant else -8.0}
        assert tuple(round(row["parabola_log2"], 2) for row in analysed[variant]) == vertices, variant
    # the bias-free rows hold x2 on two seeds of three; pre-LN + RoPE with its biases moves on two of three;
    # with the gated MLP as well both seeds move one step
    seed_optima = {v: [(row["width"], row["seed_optima_log2"]) for row in analysed[v]]
                   for v in (PR, f"{PR}+no_block_biases+no_norm_biases",
                             f"{PR}+no_block_biases+no_norm_biases+no_head_bias+no_token_type",
                             f"{PR}+no_block_biases+no_norm_biases+no_head_bias+no_token_type+glu_mlp")}
    assert seed_optima == {PR: [(64, [1.0, 1.0, 2.0]), (512, [3.0, 3.0, 2.0])],
                           f"{PR}+no_block_biases+no_norm_biases": [(64, [2.0, 1.0, 1.0]), (512, [3.0, 1.0, 1.0])],
                           f"{PR}+no_block_biases+no_norm_biases+no_head_bias+no_token_type":
                               [(64, [1.0, 1.0, 1.0]), (512, [2.0, 1.0, 1.0])],
                           f"{PR}+no_block_biases+no_norm_biases+no_head_bias+no_token_type+glu_mlp":
                               [(64, [1.0, 1.0]), (512, [2.0, 2.0])]}


def test_the_ablation_tables_reference_rows_match_their_files():
    """The table's first and last rows: BERT as built at width 64 and ModernBERT, from their own files."""
    bert = _seed_means_by(sw.load(FOLDER / "output_mult.jsonl"), "width", "output_mult")
    assert [bert[(64, m)][0] for m in (1.0, 2.0, 4.0, 8.0)] == [5.902, 5.883, 5.892, 5.938]
    modern = _seed_means_by(sw.load(FOLDER / "modernbert_output_mult.jsonl"), "width", "output_mult")
    assert [modern[(512, m)][0] for m in (1.0, 2.0, 4.0, 8.0)] == [4.898, 4.87, 5.018, 5.281]
    vertices = {name: [round(row["parabola_log2"], 2) for row in sw.analyze(sw.load(FOLDER / name))[
        f"{arch} mup output_mult"]["widths"]] for name, arch in (("output_mult.jsonl", "bert"),
                                                                ("modernbert_output_mult.jsonl", "modernbert"))}
    assert vertices["output_mult.jsonl"][0] == 1.19 and vertices["modernbert_output_mult.jsonl"] == [0.51, 1.61, 0.51, 0.66]
    modern_lr = _seed_means_by(sw.load(FOLDER / "modernbert_lr64.jsonl"), "log2_lr")
    assert min((loss, lr) for (lr,), (loss, _) in modern_lr.items()) == (5.095, -8.0)


def test_committed_no_bias_lr_experiment_matches_the_readme():
    """BERT as built without any bias but the decoder's, LR -10..-8 at widths 64-512: the optimum holds (width 128
    ties at -8) and the best loss falls with width, yet the target is not met: 0.39 below the unigram baseline at
    width 64, neighbouring widths within the seed spread, widths 256 and 512 tied at -10. Lower than BERT as built
    (the LR experiment's file) at every width and LR."""
    records = sw.load(FOLDER / "no_bias_lr.jsonl")
    variant = "no_block_biases+no_norm_biases+no_head_bias+no_token_type"
    assert len(records) == 24 and {r["variant"] for r in records} == {variant}
    assert {r["param"] for r in records} == {"mup"} and {r["output_mult"] for r in records} == {1.0}
    s = _analysed(records, variant, "log2_lr")
    assert [r["seed_optima_log2"] for r in s["widths"]] == [[-9, -9], [-9, -8], [-9, -9], [-9, -9]]
    assert [r["best_log2"] for r in s["widths"]] == [-9, -8, -9, -9] and s["optimum_shift_steps"] == 1
    assert [round(r["parabola_log2"], 2) for r in s["widths"]] == [-8.83, -8.0, -8.84, -8.81]
    assert [round(r["best_loss"], 3) for r in s["widths"]] == [5.827, 5.801, 5.687, 5.674]
    assert s["best_loss_falls_with_width"] and round(s["transfer_gap"], 3) == 0.0
    assert round(s["margin_below_unigram"], 2) == 0.39 and round(s["seed_spread_at_optimum"], 3) == 0.061
    assert not s["best_losses_apart_beyond_seed_spread"] and s["values_where_wider_is_not_better_log2"] == [-10]
    no_bias = seed_means(records, "width", "log2_lr")
    as_built = seed_means([r for r in sw.load(FOLDER.parent / "lr_transfer_bert/results.jsonl") if r["param"] == "mup"],
                          "width", "log2_lr")
    gains = {key: round(as_built[key] - loss, 3) for key, loss in no_bias.items()}
    assert min(gains.values()) == 0.003 and min(v for (w, lr), v in gains.items() if w > 64 and lr > -10) == 0.1
    assert max(gains.values()) == 0.213
