"""Which part of GPT-2 makes its input multiplier's optimum drift with width (issue 13)?

muP GPT-2's ``input_mult`` optimum falls from x8 at width 64 to x2 at width 256 on three seeds
(docs/hp_transfer_gpt2_input_mult*.jsonl), while tied Llama's moves one step (docs/hp_transfer_llama_tied.*).
GPT-2 ties its readout as tied Llama does. Measured so far (docs/gpt2_ablation/, README): not its learned
positions (``no_positions`` below), not its depth-scaled ``c_proj`` init (GPT-NeoX's sequential block, tied,
drifts too), and tied Llama given GPT-2's biases (``sweep --set attention_bias=true mlp_bias=true``) drifts as
GPT-2 does, given its LayerNorm or GELU MLP it does not (llama_attention_ablation.py); yet GPT-2 without its
biases (``no_linear_biases``, ``no_norm_biases``) drifts as much. Each edit here removes one of GPT-2's parts, zeroed and frozen (the causal LM then trains without it):

* ``no_positions``: the learned position table (the depth ablation's edit: the causal mask alone tells position);
* ``no_linear_biases``: the bias of every linear map in the blocks (``c_attn``, ``c_proj``, ``c_fc``);
* ``no_norm_biases``: the bias of every LayerNorm (``ln_1``, ``ln_2``, ``ln_f``).

Edits combine with '+'. Everything else as the HP sweep runs it (300 steps of 16 x 64 tokens, log2 LR -7, the
centre of docs/hp_transfer_gpt2.*). Resumable: finished runs are appended to the JSONL file and skipped when run
again; ``--report`` analyses and draws each variant as ``sweep-report`` does.

    python benchmarks/gpt2_input_mult_ablation.py --data ../shared/data/wikitext-2 --variants no_positions \
        --widths 64 128 256 --grid input_mult=1,2,4,8,16 --out docs/gpt2_ablation/input_mult.jsonl \
        --report docs/gpt2_ablation/input_mult.png
"""
import functools

from depth_ablation_gpt2 import no_positions  # this folder is on sys.path when run
from optimizer_ablation import edited_runs, model_edit, model_edit_parser, protocol, run_edit_ablation, train_edited


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


EDITS = {"no_positions": no_positions, "no_linear_biases": no_linear_biases, "no_norm_biases": no_norm_biases}
edit_for = functools.partial(model_edit, EDITS)
_train = functools.partial(train_edited, EDITS)
runs = functools.partial(edited_runs, "gpt2", protocol("gpt2"))  # (variants, widths, log2_lrs, seeds, hparams)


def main():
    parser = model_edit_parser(__doc__.splitlines()[0], EDITS, widths=[64, 128, 256], log2_lrs=[-7.0],
                               grid_example="input_mult=1,2,4,8,16", out="docs/gpt2_ablation/input_mult.jsonl")
    run_edit_ablation(parser.parse_args(), runs, _train)


if __name__ == "__main__":
    main()
