"""What makes GPT-2's input multiplier drift with width: the ablation's edits (experiments/gpt2_ablation/gpt2_input_mult_ablation.py)
do what its docstring says, its runs are the HP sweep's own, and each committed result (experiments/gpt2_ablation/), one
part swapped between GPT-2 and tied Llama (whose input_mult holds), says what the README says."""
import sys
from pathlib import Path

import pytest
import torch

from mutransformers import sweep as sw
from mutransformers.sweep.train import RunConfig, build_model

from cases import assert_optimum_moves, committed_set_sweep, seed_means, train_two_steps

EXPERIMENTS_DIR = Path(__file__).resolve().parents[1] / "experiments"  # the research scripts live there
sys.path[:0] = [str(EXPERIMENTS_DIR), str(EXPERIMENTS_DIR / "gpt2_ablation")]
import gpt2_input_mult_ablation as ablation  # noqa: E402

EXPERIMENTS = Path(__file__).resolve().parents[1] / "experiments"
RUN = RunConfig(arch="gpt2", param="mup", width=64, log2_lr=-7, seed=0, base_width=32, steps=2, batch_size=2,
                seq_len=8, vocab_size=64, eval_batches=1, input_mult=4.0)
MULTS = (1, 2, 4, 8, 16)
NEOX_SEQUENTIAL_TIED = ('rope_parameters={"rope_theta": 10000.0, "partial_rotary_factor": 1.0, "rope_type": '
                        '"default"};tie_word_embeddings=true;use_parallel_residual=false')


def _edited(variant):
    torch.manual_seed(0)
    model = build_model(RUN)
    ablation.edit_for(variant)(model, RUN)
    return model


def test_the_runs_are_the_hp_sweeps_own_widest_first():
    jobs = ablation.runs(["no_positions"], [64, 256], [-7.0], [0], {"input_mult": [1.0, 8.0]})
    assert [run.width for _, run in jobs] == [256, 256, 64, 64]
    committed = {r["key"] for r in sw.load(EXPERIMENTS / "hp_transfer_gpt2_input_mult/results.jsonl")}
    assert {run.key() for _, run in jobs if run.input_mult == 8.0} <= committed  # same keys: the sweep's numbers


def test_no_positions_zeroes_and_freezes_the_table_and_the_model_still_trains():
    model = _edited("no_positions")
    wpe = model.transformer.wpe.weight
    assert not wpe.requires_grad and not wpe.any()
    before = model.transformer.wte.weight.detach().clone()
    train_two_steps(model, RUN)
    assert not wpe.any() and not torch.equal(before, model.transformer.wte.weight)


def _biases(model, kind):
    is_norm = kind == "norm"
    return [p for name, p in model.named_parameters() if name.endswith(".bias") and (".ln_" in name) == is_norm]


def test_no_linear_biases_freezes_every_linear_bias_at_zero_and_leaves_the_norms_trained():
    model = _edited("no_linear_biases")
    linear = _biases(model, "linear")
    assert len(linear) == 4 * RUN.n_layer and not any(p.requires_grad or p.any() for p in linear)
    train_two_steps(model, RUN)
    assert not any(p.any() for p in linear) and all(p.any() for p in _biases(model, "norm"))


def test_no_norm_biases_freezes_every_layer_norm_bias_at_zero_and_leaves_the_linear_ones_trained():
    model = _edited("no_norm_biases+no_positions")
    norm = _biases(model, "norm")
    assert len(norm) == 2 * RUN.n_layer + 1 and not any(p.requires_grad or p.any() for p in norm)
    train_two_steps(model, RUN)
    assert not any(p.any() for p in norm) and all(p.any() for p in _biases(model, "linear"))
    assert not model.transformer.wpe.weight.any()  # the second edit applied too


def _edited_runs(variant, n_runs=30):
    """The committed runs of one edit (experiments/gpt2_ablation/input_mult.jsonl holds every edit's)."""
    records = [r for r in sw.load(EXPERIMENTS / "gpt2_ablation" / "input_mult.jsonl") if r["variant"] == variant]
    assert len(records) == n_runs and {r["steps"] for r in records} == {300} and not any(r["diverged"] for r in records)
    return records


def _drift(records, log2_lr, seeds=(0, 1)):
    """An input_mult sweep's analysis (x1..x16) and its seed means per width."""
    assert {r["log2_lr"] for r in records} == {log2_lr} and {r["seed"] for r in records} == set(seeds)
    (s,) = sw.analyze([{k: v for k, v in r.items() if k != "variant"} for r in records]).values()
    means = seed_means(records, "width", "input_mult")
    return s, {w: [means[(w, m)] for m in MULTS] for w in (64, 128, 256)}


def test_committed_no_positions_input_mult_matches_the_readme():
    """Without its position table GPT-2's input_mult drifts as with it: x8 -> x2 -> x2, 2 steps, 0.028 nats."""
    s, means = _drift(_edited_runs("no_positions"), -7)
    assert_optimum_moves(s, [(64, 3, [3, 3]), (128, 1, [2, 1]), (256, 1, [1, 1])], [2.87, 1.49, 0.94], 2, 0.028, 0.01)
    assert means[256] == [4.465, 4.46, 4.466, 4.487, 4.523]


@pytest.mark.parametrize("variant, optima, vertices, spread, at_256", [
    ("no_linear_biases", [(64, 3, [3, 3]), (128, 2, [2, 2]), (256, 1, [2, 1])], [2.85, 1.91, 1.45], 0.011,
     [4.531, 4.514, 4.515, 4.538, 4.579]),
    ("no_norm_biases", [(64, 3, [3, 3]), (128, 2, [2, 2]), (256, 1, [2, 1])], [2.87, 1.94, 1.43], 0.014,
     [4.537, 4.515, 4.517, 4.539, 4.58])])
def test_committed_gpt2_without_its_biases_drifts_as_the_readme_says(variant, optima, vertices, spread, at_256):
    """GPT-2 without its linear maps' (or its LayerNorms') biases: x8 -> x4 -> x2, 2 steps, 0.024 nats, its losses
    within 0.015 nats of GPT-2's as built."""
    s, means = _drift(_edited_runs(variant), -7)
    assert_optimum_moves(s, optima, vertices, 2, 0.024, spread)
    assert means[256] == at_256
    sweeps = sw.load(EXPERIMENTS / "hp_transfer_gpt2/results.jsonl") + sw.load(EXPERIMENTS / "hp_transfer_gpt2_input_mult/results.jsonl")
    as_built = [r for r in sweeps if r["param"] == "mup" and r["output_mult"] == r["attn_mult"] == 1
                and r["init_std"] == 0.069282 and r["input_mult"] in MULTS]
    _, built = _drift(as_built, -7)
    assert max(abs(a - b) for w in built for a, b in zip(built[w], means[w])) <= 0.015


def test_committed_gpt2_without_positions_or_any_bias_still_drifts_as_the_readme_says():
    """GPT-2 without its position table and every bias together: x8 -> x2 -> x2, 2 steps, 0.028 nats."""
    s, means = _drift(_edited_runs("no_linear_biases+no_norm_biases+no_positions"), -7)
    assert_optimum_moves(s, [(64, 3, [3, 3]), (128, 1, [1, 1]), (256, 1, [1, 1])], [2.91, 1.41, 0.87], 2, 0.028, 0.012)
    assert means[256] == [4.47, 4.465, 4.473, 4.493, 4.528]


def test_committed_gpt2_with_an_unscaled_c_proj_init_moves_one_step_as_the_readme_says():
    """c_proj drawn without upstream's 1/sqrt(2 n_layer), 3 seeds: x8 -> x4 -> x4, 1 step, 0.017 nats (as built 2
    steps, 0.029), better at every width, yet the vertex falls 1.49 log2 units (as built 1.62)."""
    s, means = _drift(_edited_runs("unscaled_branch_init", 45), -7, seeds=(0, 1, 2))
    assert_optimum_moves(s, [(64, 3, [4, 3, 3]), (128, 2, [3, 2, 2]), (256, 2, [2, 2, 2])],
                         [3.32, 2.46, 1.83], 1, 0.017, 0.017)
    assert means == {64: [4.835, 4.76, 4.726, 4.705, 4.71], 128: [4.649, 4.596, 4.579, 4.579, 4.61],
                     256: [4.557, 4.511, 4.502, 4.519, 4.56]}
    sweeps = [r for name in ("", "_input_mult", "_input_mult_seed2")
              for r in sw.load(EXPERIMENTS / f"hp_transfer_gpt2{name}" / "results.jsonl")]
    as_built = [r for r in sweeps if r["param"] == "mup" and r["output_mult"] == r["attn_mult"] == 1
                and r["init_std"] == 0.069282 and r["input_mult"] in MULTS]
    built, built_means = _drift(as_built, -7, seeds=(0, 1, 2))
    assert_optimum_moves(built, [(64, 3, [3, 3, 3]), (128, 2, [3, 2, 2]), (256, 1, [2, 1, 1])],
                         [3.01, 2.11, 1.39], 2, 0.029, 0.019)
    assert all(min(means[w]) < min(built_means[w]) for w in means)  # better at every width


def test_committed_sequential_tied_neox_input_mult_matches_the_readme():
    """GPT-2's block with RoPE and without the depth-scaled c_proj init (GPT-NeoX, sequential, full rotary, tied)
    drifts as GPT-2 does: x8 -> x4 -> x2, 2 steps, 0.026 nats."""
    path = EXPERIMENTS / "gpt2_ablation" / "input_mult_neox_sequential_tied.jsonl"
    s, means = _drift(committed_set_sweep(path, 30, NEOX_SEQUENTIAL_TIED, 300), -7)
    assert_optimum_moves(s, [(64, 3, [3, 2]), (128, 2, [2, 3]), (256, 1, [1, 2])], [2.64, 2.42, 1.48], 2, 0.026, 0.018)
    assert means == {64: [4.689, 4.614, 4.592, 4.59, 4.605], 128: [4.522, 4.473, 4.458, 4.46, 4.491],
                     256: [4.394, 4.349, 4.35, 4.375, 4.424]}


def test_committed_tied_llama_with_biases_input_mult_matches_the_readme():
    """Tied Llama with a bias in every linear map drifts as GPT-2 does (x8 -> x8 -> x2, 2 steps, 0.026 nats), where
    without them width 64's optimum costs width 256 0.002 nats."""
    path = EXPERIMENTS / "gpt2_ablation" / "input_mult_llama_tied_biases.jsonl"
    s, means = _drift(committed_set_sweep(path, 30, "attention_bias=true;mlp_bias=true;tie_word_embeddings=true", 300),
                      -6)
    assert_optimum_moves(s, [(64, 3, [2, 4]), (128, 3, [2, 3]), (256, 1, [1, 1])], [3.42, 2.53, 1.3], 2, 0.026, 0.003)
    assert means == {64: [4.643, 4.559, 4.551, 4.545, 4.545], 128: [4.477, 4.434, 4.416, 4.416, 4.436],
                     256: [4.355, 4.311, 4.322, 4.337, 4.37]}
    without = [r for r in sw.load(EXPERIMENTS / "hp_transfer_llama_tied/results.jsonl")  # the same runs without biases
               if r["init_std"] == 0.069282 and r["output_mult"] == r["attn_mult"] == 1 and r["input_mult"] in MULTS]
    s, _ = _drift(without, -6)
    assert_optimum_moves(s, [(64, 3, [2, 4]), (128, 2, [3, 2]), (256, 2, [2, 3])], [3.44, 2.34, 2.28], 1, 0.002, 0.021)


@pytest.mark.parametrize("variant, optima, vertices, gap, spread, means", [
    ("layer_norm", [(64, 3, [3, 3]), (128, 3, [3, 2]), (256, 2, [2, 1])], [2.97, 2.69, 1.55], 0.009, 0.016,
     {64: [4.634, 4.571, 4.56, 4.547, 4.562], 128: [4.514, 4.446, 4.437, 4.436, 4.441],
      256: [4.396, 4.343, 4.343, 4.352, 4.378]}),
    ("gelu_mlp", [(64, 3, [3, 2]), (128, 3, [3, 2]), (256, 2, [2, 2])], [3.09, 2.65, 2.11], 0.012, 0.021,
     {64: [4.635, 4.571, 4.553, 4.548, 4.552], 128: [4.507, 4.451, 4.439, 4.436, 4.451],
      256: [4.406, 4.368, 4.349, 4.361, 4.397]}),
    ("layer_norm+gelu_mlp", [(64, 3, [3, 3]), (128, 3, [3, 3]), (256, 2, [2, 2])], [2.97, 2.75, 2.06], 0.02, 0.009,
     {64: [4.649, 4.582, 4.557, 4.538, 4.56], 128: [4.519, 4.453, 4.441, 4.434, 4.455],
      256: [4.407, 4.365, 4.34, 4.36, 4.394]}),
    ("layer_norm+gelu_mlp+scaled_branch_init", [(64, 2, [2, 4]), (128, 3, [3, 2]), (256, 2, [2, 2])],
     [2.4, 2.52, 1.8], 0.0, 0.025,
     {64: [4.596, 4.576, 4.56, 4.562, 4.569], 128: [4.485, 4.446, 4.438, 4.437, 4.476],
      256: [4.393, 4.362, 4.349, 4.38, 4.42]})])
def test_committed_tied_llama_with_gpt2s_norm_or_mlp_holds_as_the_readme_says(variant, optima, vertices, gap, spread,
                                                                             means):
    """Tied Llama with GPT-2's LayerNorm or GELU MLP edited in: input_mult moves 1 step, within the seed spread; with
    both, 1 step too, but at 0.020 nats, above the seed spread; with GPT-2's c_proj init too, 0.000 nats."""
    records = [r for r in sw.load(EXPERIMENTS / "gpt2_ablation" / "input_mult_llama_tied_edits.jsonl")
               if r["variant"] == variant]
    assert len(records) == 30 and {r["config_set"] for r in records} == {"tie_word_embeddings=true"}
    assert {r["steps"] for r in records} == {300} and not any(r["diverged"] for r in records)
    s, seed_mean = _drift(records, -6)
    assert_optimum_moves(s, optima, vertices, 1, gap, spread)
    assert seed_mean == means


@pytest.mark.parametrize("bias, optima, vertices, gap, spread, means", [
    ("attention_bias", [(64, 3, [2, 3]), (128, 2, [3, 2]), (256, 1, [1, 1])], [2.96, 2.45, 1.25], 0.031, 0.015,
     {64: [4.639, 4.566, 4.551, 4.545, 4.553], 128: [4.472, 4.43, 4.416, 4.417, 4.434],
      256: [4.349, 4.311, 4.323, 4.342, 4.37]}),
    ("mlp_bias", [(64, 4, [2, 4]), (128, 2, [2, 2]), (256, 2, [2, 3])], [4.0, 2.34, 2.07], 0.018, 0.026,
     {64: [4.633, 4.571, 4.555, 4.555, 4.554], 128: [4.503, 4.45, 4.434, 4.437, 4.446],
      256: [4.412, 4.36, 4.354, 4.358, 4.371]})])
def test_committed_tied_llama_with_one_set_of_biases_matches_the_readme(bias, optima, vertices, gap, spread, means):
    """The attention's biases alone drift tied Llama's input_mult as all biases do (0.031 nats, spread 0.015); the
    MLP's leave a flat width-64 top whose argmin sits on the edge (2 steps by the argmin, 0.018 nats, spread 0.026)."""
    path = EXPERIMENTS / "gpt2_ablation" / f"input_mult_llama_tied_{bias}.jsonl"
    s, seed_mean = _drift(committed_set_sweep(path, 30, f"{bias}=true;tie_word_embeddings=true", 300), -6)
    assert_optimum_moves(s, optima, vertices, 2, gap, spread)
    assert seed_mean == means


def test_unscaled_branch_init_draws_c_proj_as_c_fc():
    """Upstream draws c_proj at std / sqrt(2 n_layer); unscaled, both maps have muP's std at this width."""
    built, edited = _edited("no_positions"), _edited("unscaled_branch_init")
    for block, plain in zip(edited.transformer.h, built.transformer.h):
        assert plain.mlp.c_proj.weight.std() < 0.6 * plain.mlp.c_fc.weight.std()  # 1 / sqrt(2 * 2) as built
        for proj in (block.attn.c_proj, block.mlp.c_proj):
            assert proj.weight.std().item() == pytest.approx(block.mlp.c_fc.weight.std().item(), rel=0.1)


def test_committed_tied_llama_at_gpt2s_centre_lr_drifts_as_the_readme_says():
    """Tied Llama as built at log2 LR -7 (GPT-2's centre; its own optimum is -6): x8 -> x4 -> x2, 2 steps,
    0.012 nats."""
    path = EXPERIMENTS / "gpt2_ablation" / "input_mult_llama_tied_lr7.jsonl"
    s, means = _drift(committed_set_sweep(path, 30, "tie_word_embeddings=true", 300), -7)
    assert_optimum_moves(s, [(64, 3, [3, 3]), (128, 2, [2, 2]), (256, 1, [1, 1])], [3.15, 2.37, 1.38], 2, 0.012, 0.008)
    assert means[64] == [4.646, 4.61, 4.592, 4.581, 4.587] and means[256] == [4.416, 4.382, 4.387, 4.394, 4.419]


def _lr_by_input_mult(records, lrs):
    """A full log2 LR x input_mult grid: each HP's analysis, its optimum taken over the other's values, and per LR
    the input_mult sweep at that LR alone: argmin and vertex per width, shift in grid steps, what width 64's
    optimum costs the widest and the seed spread (the README's table)."""
    assert {r["log2_lr"] for r in records} == set(lrs) and not any(r["diverged"] for r in records)
    joint = {name.split()[-1]: s for name, s in sw.analyze(records).items()}
    at_lr = {}
    for lr in lrs:
        (s,) = sw.analyze([r for r in records if r["log2_lr"] == lr]).values()
        at_lr[lr] = ([r["best_log2"] for r in s["widths"]], s["optimum_shift_steps"],
                     [round(r["parabola_log2"], 2) for r in s["widths"]],
                     round(s["transfer_gap"], 3), round(s["seed_spread_at_optimum"], 3))
    return joint, at_lr


def _copied_from(records, sources):
    """The runs a joint grid took from earlier sweeps are those sweeps' runs, key and loss."""
    earlier = {r["key"]: r["eval_loss"] for path in sources for r in sw.load(path)}
    copied = [r for r in records if r["key"] in earlier]
    assert all(r["eval_loss"] == earlier[r["key"]] for r in copied)
    return {r["log2_lr"] for r in copied}


def test_committed_tied_llama_lr_and_input_mult_tuned_together_transfer_as_the_readme_says():
    """Tied Llama, log2 LR -7..-5 x input_mult x1..x16, widths 64-512: the joint LR optimum is -6 at every width;
    input_mult moves x8 -> x4 -> x4 over 64-256 (1 step, 0.002 nats) and to x2 at 512 (2 steps, 0.020 nats, within
    the seed spread), as GPT-2's; at each LR alone it moves 2 steps over 8x (1 over 4x at -6 and -5)."""
    path = EXPERIMENTS / "gpt2_ablation" / "input_mult_llama_tied_lr.jsonl"
    records = committed_set_sweep(path, 120, "tie_word_embeddings=true", 300)
    assert _copied_from(records, [EXPERIMENTS / "gpt2_ablation" / "input_mult_llama_tied_lr7.jsonl",
                                  EXPERIMENTS / "hp_transfer_llama_tied/results.jsonl"]) == {-7, -6}
    narrow, at_lr_narrow = _lr_by_input_mult([r for r in records if r["width"] <= 256], (-7, -6, -5))
    assert_optimum_moves(narrow["input_mult"], [(64, 3, [2, 4]), (128, 2, [3, 2]), (256, 2, [2, 3])],
                         [3.44, 2.34, 2.28], 1, 0.002, 0.021)
    assert {lr: shift for lr, (_, shift, _, _, _) in at_lr_narrow.items()} == {-7: 2, -6: 1, -5: 1}
    joint, at_lr = _lr_by_input_mult(records, (-7, -6, -5))
    assert_optimum_moves(joint["log2_lr"], [(64, -6, [-6, -6]), (128, -6, [-6, -6]), (256, -6, [-6, -6]),
                                            (512, -6, [-6, -6])], [-5.74, -5.78, -5.94, -6.04], 0, 0.0, 0.021)
    assert_optimum_moves(joint["input_mult"], [(64, 3, [2, 4]), (128, 2, [3, 2]), (256, 2, [2, 3]), (512, 1, [1, 1])],
                         [3.44, 2.34, 2.28, 1.24], 2, 0.02, 0.021)
    assert at_lr == {-7: ([3, 2, 1, 1], 2, [3.15, 2.37, 1.38, 1.25], 0.034, 0.008),
                     -6: ([3, 2, 2, 1], 2, [3.44, 2.34, 2.28, 1.24], 0.02, 0.021),
                     -5: ([4, 3, 3, 2], 2, [4.0, 2.58, 2.7, 2.14], 0.044, 0.02)}
    means = seed_means(records, "width", "log2_lr", "input_mult")
    assert [means[(256, -5, m)] for m in MULTS] == [4.714, 4.412, 4.381, 4.375, 4.397]
    assert [means[(512, -6, m)] for m in MULTS] == [4.317, 4.292, 4.301, 4.312, 4.339]


def test_committed_gpt2_lr_and_input_mult_grid_matches_the_readme():
    """GPT-2, log2 LR -8..-5 x input_mult x1..x16 (widths 64-256; 512 at -7..-5): at a fixed LR the multiplier's
    optimum falls with width, less the higher the LR (-7: 2 steps, -6: 1, -5: 1 at no cost); tuned together
    the LR holds at -6 to width 256 and both move one step at 512 (-7, x2), 2 steps of input_mult over 8x."""
    records = sw.load(EXPERIMENTS / "gpt2_ablation" / "input_mult_gpt2_lr.jsonl")
    assert len(records) == 150 and {r["steps"] for r in records} == {300} and {r["arch"] for r in records} == {"gpt2"}
    assert {(r["width"], r["log2_lr"]) for r in records if r["width"] == 512} == {(512, lr) for lr in (-7, -6, -5)}
    assert _copied_from(records, [EXPERIMENTS / "hp_transfer_gpt2/results.jsonl", EXPERIMENTS / "hp_transfer_gpt2_input_mult/results.jsonl"]) == {-7}
    joint, at_lr = _lr_by_input_mult(records, (-8, -7, -6, -5))
    assert_optimum_moves(joint["log2_lr"], [(64, -6, [-6, -6]), (128, -6, [-6, -6]), (256, -6, [-6, -6]),
                                            (512, -7, [-7, -7])], [-6.1, -6.14, -6.38, -7.0], 1, 0.007, 0.012)
    assert_optimum_moves(joint["input_mult"], [(64, 3, [3, 3]), (128, 2, [3, 2]), (256, 2, [2, 2]), (512, 1, [1, 0])],
                         [2.95, 2.37, 1.85, 0.9], 2, 0.045, 0.012)
    assert at_lr == {-8: ([3, 1, 1], 2, [2.63, 1.48, 1.1], 0.045, 0.019),
                     -7: ([3, 3, 1, 1], 2, [2.99, 2.55, 1.43, 0.74], 0.053, 0.009),
                     -6: ([3, 2, 2, 2], 1, [2.95, 2.37, 2.07, 1.61], 0.038, 0.012),
                     -5: ([3, 4, 3, 3], 1, [3.2, 4.0, 3.15, 2.61], 0.0, 0.024)}
    means = seed_means(records, "width", "log2_lr", "input_mult")
    assert [means[(512, -6, m)] for m in MULTS] == [4.515, 4.469, 4.464, 4.502, 4.531]
    assert [means[(512, -5, m)] for m in MULTS] == [4.734, 4.642, 4.539, 4.535, 4.566]
    assert means[(512, -6, 8)] - means[(512, -6, 4)] == pytest.approx(0.038, abs=1e-9)  # width 64's x8 at -6
