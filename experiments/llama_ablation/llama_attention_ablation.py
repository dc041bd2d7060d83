"""Which part of Llama makes its attention multiplier's optimum drift with width (issue 13)?

At 1200 steps muP Llama's ``attn_mult`` optimum moves from x1/4 at width 64 to x4 at width 256
(experiments/hp_transfer_llama_attn_long/), while GPT-2's holds at x4 with the same data and protocol
(experiments/hp_transfer_gpt2_attn_long/). Measured: the untied readout is the cause (tied, width 64's optimum costs
Llama 0.016 nats at width 256 against 0.076 untied; untied, GPT-2's drifts; experiments/llama_ablation/, README), RoPE is
not (``no_rope`` below). Llama differs from GPT-2 in ways no Llama config field switches, so each
is edited into muP Llama here, one at a time (grouped-query attention and the untied readout are config fields:
``mutransformers sweep --set num_key_value_heads=4`` / ``tie_word_embeddings=true``):

* ``no_rope``: the rotary frequencies zeroed, so queries and keys are not rotated (cos 1, sin 0); the causal mask
  is then the only position signal;
* ``learned_positions``: GPT-2's absolute position table (``max_position_embeddings`` x width, drawn at the init
  std, muP: an input weight) added to the token embedding; with ``no_rope`` it is GPT-2's position scheme;
* ``gelu_mlp``: the MLP ungated, ``down(GELU(gate(x)))`` as GPT-2's (tanh GELU), ``up_proj`` removed;
* ``layer_norm``: every RMSNorm (both per block and the final one) a LayerNorm with a bias, as GPT-2's;
* ``scaled_branch_init``: ``o_proj`` and ``down_proj`` drawn at std / sqrt(2 n_layer), as GPT-2's ``c_proj``.

Edits combine: ``no_rope+learned_positions`` applies both. The same edits ask which of GPT-2's parts makes its
input multiplier's optimum fall with width where tied Llama's holds (experiments/gpt2_ablation/): ``--steps 300 --set
tie_word_embeddings=true`` gives the LR experiment's protocol on tied Llama, and ``--set attention_bias=true
mlp_bias=true`` GPT-2's biases.

The runs are the sweep's (``--steps 1200 --batch-size 16 --seq-len 64``, LR 2^-6, same keys plus a variant
name). ``--report`` analyses and draws each variant as ``sweep-report`` does. Resumable: finished runs are
appended to the JSONL file and skipped when run again.

    python experiments/llama_ablation/llama_attention_ablation.py --data ../shared/data/wikitext-2 --variants no_rope \
        --widths 64 256 --grid attn_mult=0.25,0.5,1,2,4,8,16 --seeds 0 1 \
        --out experiments/llama_ablation/attn_mult.jsonl --report experiments/llama_ablation/attn_mult.png
"""
import functools
import math
import sys
from pathlib import Path

import torch
from mup.infshape import InfDim, InfShape
from torch import nn

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # experiments/: the shared ablation machinery
from ablation import (  # noqa: E402 (experiments/ is put on sys.path above)
    edited_runs, model_edit, model_edit_parser, run_edit_ablation, train_edited)

# the 1200-step attention-multiplier protocol of experiments/hp_transfer_{gpt2,llama}_attn_long/
PROTOCOL = {"steps": 1200, "batch_size": 16, "seq_len": 64}


def no_rope(model, run):
    rotary = model.model.rotary_emb
    for name in ("inv_freq", "original_inv_freq"):  # both buffers: a dynamic RoPE update restores the original
        getattr(rotary, name).zero_()


def _add_positions(embedding, args, output):
    positions = torch.arange(output.shape[-2], device=output.device)
    return output + embedding.position_table(positions)


def learned_positions(model, run):
    embed = model.model.embed_tokens
    width = embed.embedding_dim
    table = nn.Embedding(model.config.max_position_embeddings, width)
    nn.init.normal_(table.weight, std=model.config.initializer_range)  # muP keeps an input weight's std
    # muP: an input weight (finite fan-in: the positions, infinite fan-out: the width), as the token table
    table.weight.infshape = InfShape([InfDim(None, table.num_embeddings), embed.weight.infshape[1]])
    embed.position_table = table  # registered under the embedding, so the optimizer sees it
    embed.register_forward_hook(_add_positions)


def _ungated(mlp, x):
    return mlp.down_proj(nn.functional.gelu(mlp.gate_proj(x), approximate="tanh"))


def gelu_mlp(model, run):
    for layer in model.model.layers:
        del layer.mlp.up_proj  # out of the model, so out of the optimizer and the parameter count
        layer.mlp.forward = _ungated.__get__(layer.mlp)


def _as_layer_norm(parent, name):
    rms = getattr(parent, name)
    norm = nn.LayerNorm(rms.weight.shape[0], eps=rms.variance_epsilon, device=rms.weight.device)
    # muP: gain and bias are vectors over the width, as the RMSNorm gain they replace (its infshape)
    norm.weight.infshape = norm.bias.infshape = rms.weight.infshape
    setattr(parent, name, norm)


def layer_norm(model, run):
    for layer in model.model.layers:
        _as_layer_norm(layer, "input_layernorm")
        _as_layer_norm(layer, "post_attention_layernorm")
    _as_layer_norm(model.model, "norm")


def scaled_branch_init(model, run):
    for layer in model.model.layers:  # GPT-2's init of the maps that write to the residual stream: std / sqrt(2 L)
        for proj in (layer.self_attn.o_proj, layer.mlp.down_proj):
            proj.weight.data.div_(math.sqrt(2 * model.config.num_hidden_layers))


EDITS = {"no_rope": no_rope, "learned_positions": learned_positions, "gelu_mlp": gelu_mlp, "layer_norm": layer_norm,
         "scaled_branch_init": scaled_branch_init}


edit_for = functools.partial(model_edit, EDITS)  # a variant's edit; "a+b" applies a, then b


runs = functools.partial(edited_runs, "llama", PROTOCOL)  # (variants, widths, log2_lrs, seeds, hparams)


_train = functools.partial(train_edited, EDITS)


def main():
    parser = model_edit_parser(__doc__.splitlines()[0], EDITS, widths=[64, 256], log2_lrs=[-6.0],
                               grid_example="attn_mult=0.5,1,2,4", out="experiments/llama_ablation/attn_mult.jsonl")
    run_edit_ablation(parser.parse_args(), runs, _train)


if __name__ == "__main__":
    main()
