"""Which part of GPT-2 makes its input multiplier's optimum drift with width (issue 13)?

muP GPT-2's ``input_mult`` optimum falls from x8 at width 64 to x2 at width 256 on three seeds
(experiments/hp_transfer_gpt2_input_mult*/), while tied Llama's moves one step (experiments/hp_transfer_llama_tied/).
GPT-2 ties its readout as tied Llama does. Measured so far (experiments/gpt2_ablation/, README): not its learned
positions (``no_positions`` below); tied Llama given attention biases (``sweep --set attention_bias=true``)
drifts as GPT-2 does, given GPT-2's LayerNorm or GELU MLP it does not (llama_attention_ablation.py); yet GPT-2
without its biases (``no_linear_biases``, ``no_norm_biases``, and with ``no_positions`` too) drifts as much;
with ``unscaled_branch_init`` it moves 1 step (3 seeds) though its vertex falls nearly as far. Each
edit here removes one of GPT-2's parts (the biases and the table zeroed and frozen: the model trains without them)
or its depth-scaled init:

* ``no_positions``: the learned position table (the depth ablation's edit: the causal mask alone tells position);
* ``no_linear_biases``: the bias of every linear map in the blocks (``c_attn``, ``c_proj``, ``c_fc``);
* ``no_norm_biases``: the bias of every LayerNorm (``ln_1``, ``ln_2``, ``ln_f``);
* ``unscaled_branch_init``: ``c_proj`` drawn at the init std, without upstream's 1 / sqrt(2 n_layer) (the depth
  ablation's edit for muP in width only), as Llama's ``o_proj`` and ``down_proj`` are.

Edits combine with '+'. Everything else as the HP sweep runs it (300 steps of 16 x 64 tokens, log2 LR -7, the
centre of experiments/hp_transfer_gpt2/). Resumable: finished runs are appended to the JSONL file and skipped when run
again; ``--report`` analyses and draws each variant as ``sweep-report`` does.

    python experiments/gpt2_ablation/gpt2_input_mult_ablation.py --data ../shared/data/wikitext-2 --variants no_positions \
        --widths 64 128 256 --grid input_mult=1,2,4,8,16 --out experiments/gpt2_ablation/input_mult.jsonl \
        --report experiments/gpt2_ablation/input_mult.png
"""
import functools
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # experiments/: the shared ablation machinery
from ablation import (edited_runs, model_edit, model_edit_parser, no_positions, protocol,  # noqa: E402
                      run_edit_ablation, train_edited, unscaled_branch_init)


def _zero_and_freeze(parameters):
    for p in parameters:
        p.data.zero_()
        p.requires_grad_(False)


def no_linear_biases(model, run):
    _zero_and_freeze(proj.bias for block in model.transformer.h
                     for proj in (block.attn.c_attn, block.attn.c_proj, block.mlp.c_fc, block.mlp.c_proj))


def no_norm_biases(model, run):
    norms = [norm for block in model.transformer.h for norm in (block.ln_1, block.ln_2)] + [model.transformer.ln_f]
    _zero_and_freeze(norm.bias for norm in norms)


EDITS = {"no_positions": no_positions, "no_linear_biases": no_linear_biases, "no_norm_biases": no_norm_biases,
         "unscaled_branch_init": unscaled_branch_init}
edit_for = functools.partial(model_edit, EDITS)
_train = functools.partial(train_edited, EDITS)
runs = functools.partial(edited_runs, "gpt2", protocol("gpt2"))  # (variants, widths, log2_lrs, seeds, hparams)


def main():
    parser = model_edit_parser(__doc__.splitlines()[0], EDITS, widths=[64, 128, 256], log2_lrs=[-7.0],
                               grid_example="input_mult=1,2,4,8,16", out="experiments/gpt2_ablation/input_mult.jsonl")
    run_edit_ablation(parser.parse_args(), runs, _train)


if __name__ == "__main__":
    main()
