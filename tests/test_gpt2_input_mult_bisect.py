"""The committed runs that look for what makes GPT-2's input multiplier drift with width (docs/gpt2_ablation/),
checked against the README: each swaps one part between GPT-2 and tied Llama, whose input_mult holds."""
from pathlib import Path

from mutransformers import sweep as sw

from cases import committed_set_sweep, seed_means

DOCS = Path(__file__).resolve().parents[1] / "docs" / "gpt2_ablation"
MULTS = (1, 2, 4, 8, 16)
NEOX_SEQUENTIAL_TIED = ('rope_parameters={"rope_theta": 10000.0, "partial_rotary_factor": 1.0, "rope_type": '
                        '"default"};tie_word_embeddings=true;use_parallel_residual=false')


def test_committed_sequential_tied_neox_input_mult_matches_the_readme():
    """GPT-2's block with RoPE and without the depth-scaled c_proj init (GPT-NeoX, sequential, full rotary, tied)
    drifts as GPT-2 does: x8 -> x4 -> x2, 2 steps, 0.026 nats."""
    records = committed_set_sweep(DOCS / "input_mult_neox_sequential_tied.jsonl", 30, NEOX_SEQUENTIAL_TIED, 300)
    assert {r["log2_lr"] for r in records} == {-7} and {r["seed"] for r in records} == {0, 1}
    s = sw.analyze(records)["gpt_neox mup input_mult"]
    assert [(r["width"], r["best_log2"], r["seed_optima_log2"]) for r in s["widths"]] == [
        (64, 3, [3, 2]), (128, 2, [2, 3]), (256, 1, [1, 2])]
    assert [round(r["parabola_log2"], 2) for r in s["widths"]] == [2.64, 2.42, 1.48]
    assert s["optimum_shift_steps"] == 2 and s["wider_better_near_optimum"]
    assert round(s["transfer_gap"], 3) == 0.026 and round(s["seed_spread_at_optimum"], 3) == 0.018
    means = seed_means(records, "width", "input_mult")
    assert [means[(64, m)] for m in MULTS] == [4.689, 4.614, 4.592, 4.59, 4.605]
    assert [means[(128, m)] for m in MULTS] == [4.522, 4.473, 4.458, 4.46, 4.491]
    assert [means[(256, m)] for m in MULTS] == [4.394, 4.349, 4.35, 4.375, 4.424]
