"""Which part of BERT's block makes its readout multiplier's optimum drift with width (issue 13)?

Under muP BERT's ``output_mult`` optimum climbs from x2 at width 64 to x8 or beyond at width 512
(experiments/bert_ablation/output_mult.*), while ModernBERT's holds at x2 with the same masked-LM head, tied decoder,
data and protocol (experiments/bert_ablation/modernbert_output_mult.*). ModernBERT's block differs from BERT's in ways
no BERT config field switches (its norm placement, positions, biases, gated MLP, branch init), so each is edited
into muP BERT here, one at a time:

* ``pre_ln``: each sublayer reads LayerNorm(x) and adds its output to x un-normalized (BERT normalizes the sum,
  post-LN); the two LayerNorms of a block move in front of its sublayers, and a final LayerNorm (a new one, with
  the other norms' infshape) feeds the MLM head, as in ModernBERT and GPT-2;
* ``rope_positions``: the learned absolute position embeddings zeroed and frozen, queries and keys rotated by
  position instead (rotary embedding, base 10000, over each head's dimensions);
* ``no_positions`` / ``zero_init_positions``: the learned positions zeroed and frozen (no position at all), or
  zeroed and still learned (to tell what the rotary variant gains from positions from what it loses with the table);
* ``no_block_biases``: the biases of the block's six linear maps (query, key, value, attention output, MLP in
  and out) zeroed and frozen; the LayerNorms, embeddings and head keep theirs;
* ``no_norm_biases``: every LayerNorm's bias zeroed and frozen (ModernBERT's norms have none);
* ``no_head_bias``: the MLM head dense's bias zeroed and frozen (the decoder keeps its bias, as ModernBERT's does);
* ``no_token_type``: the token-type table zeroed and frozen; with every token of type 0 it adds one learned vector to
  every embedding, a bias ModernBERT lacks;
* ``glu_mlp``: a gated MLP, GELU(x W_in) * (x W_gate), as ModernBERT's GeGLU; the gate a new map of W_in's shape,
  drawn at its std, biased only where W_in still is;
* ``scaled_out_init``: each branch's output projection and the MLM head's dense drawn at std / sqrt(2 L), as
  ModernBERT draws them (BERT draws every linear map at the same std).

Edits combine: ``pre_ln+rope_positions`` applies both.

The runs are the sweep's own (BERT's protocol, ``optimizer_ablation.protocol``; same keys plus a variant name).
First each variant's learning rate at the base width (``--grid output_mult=1 --widths 64 --log2-lrs ...``), then
its ``output_mult`` grid at that LR, at width 64 and 512. ``--report`` analyses and draws each variant as
``sweep-report`` does. Resumable: finished runs are appended to the JSONL file and skipped when run again.

    python experiments/bert_ablation/bert_block_ablation.py --data ../shared/data/wikitext-2 --variants pre_ln rope_positions \
        pre_ln+rope_positions --widths 64 --log2-lrs -10 -9 -8 -7 -6 --grid output_mult=1 --seeds 0 1 \
        --out experiments/bert_ablation/block_lr64.jsonl
    python experiments/bert_ablation/bert_block_ablation.py --data ../shared/data/wikitext-2 --variants pre_ln --log2-lrs -9 \
        --widths 64 512 --grid output_mult=1,2,4,8 --seeds 0 1 --out experiments/bert_ablation/block_output_mult.jsonl \
        --report experiments/bert_ablation/block_output_mult.png
"""
import functools
import sys
from pathlib import Path

import torch
from torch import nn

from mutransformers.sweep import Sweep
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # experiments/: the shared ablation machinery
from ablation import (  # noqa: E402 (experiments/ is put on sys.path above)
    grid_values, model_edit, model_edit_parser, print_report, protocol, protocol_overrides, train_edited, train_jobs,
    unfinished)


def _normed_first_input(module, args, kwargs):
    return (module.input_norm(args[0]), *args[1:]), kwargs


def pre_ln(model, run):
    encoder_layers = model.bert.encoder.layer
    for layer in encoder_layers:
        # the norm stays registered (its parameters keep their infshape and optimizer group), now on the input
        for sublayer, residual in ((layer.attention.self, layer.attention.output), (layer.intermediate, layer.output)):
            sublayer.input_norm = residual.LayerNorm
            residual.LayerNorm = nn.Identity()  # the residual sum is no longer normalized
            sublayer.register_forward_pre_hook(_normed_first_input, with_kwargs=True)
    transform = model.cls.predictions.transform
    template = encoder_layers[-1].intermediate.input_norm
    transform.input_norm = nn.LayerNorm(template.normalized_shape, eps=template.eps)
    for new, old in zip(transform.input_norm.parameters(), template.parameters()):
        if hasattr(old, "infshape"):  # muP: a vector-like parameter, as every LayerNorm's
            new.infshape = old.infshape
    transform.register_forward_pre_hook(_normed_first_input, with_kwargs=True)


def _rotate_by_position(head_dim: int):
    """A forward hook rotating a query or key projection's output, (batch, tokens, heads * head_dim), by position."""
    def hook(module, inputs, output):
        batch, tokens, width = output.shape
        x = output.view(batch, tokens, width // head_dim, head_dim)
        frequencies = 10000.0 ** (-torch.arange(0, head_dim, 2, device=x.device, dtype=torch.float32) / head_dim)
        angles = torch.arange(tokens, device=x.device, dtype=torch.float32)[:, None] * frequencies  # (tokens, dim/2)
        cos, sin = (f(angles).to(x.dtype)[None, :, None, :] for f in (torch.cos, torch.sin))
        first, second = x[..., : head_dim // 2], x[..., head_dim // 2:]
        return torch.cat([first * cos - second * sin, first * sin + second * cos], dim=-1).view_as(output)
    return hook


def no_positions(model, run):
    positions = model.bert.embeddings.position_embeddings.weight
    positions.data.zero_()
    positions.requires_grad_(False)


def zero_init_positions(model, run):
    model.bert.embeddings.position_embeddings.weight.data.zero_()  # still learned


def rope_positions(model, run):
    no_positions(model, run)
    for layer in model.bert.encoder.layer:
        attention = layer.attention.self
        for projection in (attention.query, attention.key):
            projection.register_forward_hook(_rotate_by_position(attention.attention_head_size))


def no_block_biases(model, run):
    for layer in model.bert.encoder.layer:
        attention = layer.attention.self
        for linear in (attention.query, attention.key, attention.value, layer.attention.output.dense,
                       layer.intermediate.dense, layer.output.dense):
            linear.bias.data.zero_()
            linear.bias.requires_grad_(False)


def no_norm_biases(model, run):
    for module in model.modules():
        if isinstance(module, nn.LayerNorm):  # every one: embeddings', the blocks', the MLM head's
            module.bias.data.zero_()
            module.bias.requires_grad_(False)


def no_head_bias(model, run):
    bias = model.cls.predictions.transform.dense.bias  # ModernBERT's head dense has none; its decoder keeps one
    bias.data.zero_()
    bias.requires_grad_(False)


def no_token_type(model, run):
    # every token is type 0, so BERT's type table adds one learned vector to every embedding: a bias in disguise
    table = model.bert.embeddings.token_type_embeddings.weight
    table.data.zero_()
    table.requires_grad_(False)


def _gated(module, args, output):
    return output * module.gate(args[0])  # act(dense(x)) * gate(x): ModernBERT's GeGLU


def glu_mlp(model, run):
    for layer in model.bert.encoder.layer:
        dense = layer.intermediate.dense
        # a second input map as ModernBERT's Wi has (its gate half): drawn like BERT's, a bias only where dense
        # still trains one (apply after no_block_biases), with dense's infshape (muP: a hidden weight, same fans)
        gate = nn.Linear(dense.in_features, dense.out_features, bias=dense.bias.requires_grad)
        with torch.no_grad():
            gate.weight.normal_(0.0, dense.weight.std().item())
            if gate.bias is not None:
                gate.bias.zero_()
        for new, old in ((gate.weight, dense.weight), (gate.bias, dense.bias)):
            if new is not None:
                new.infshape = old.infshape
        layer.intermediate.gate = gate
        layer.intermediate.register_forward_hook(_gated)


def scaled_out_init(model, run):
    factor = (2 * len(model.bert.encoder.layer)) ** -0.5  # ModernBERT's "out" std: init_std / sqrt(2 L)
    for layer in model.bert.encoder.layer:
        for dense in (layer.attention.output.dense, layer.output.dense):
            dense.weight.data.mul_(factor)
    model.cls.predictions.transform.dense.weight.data.mul_(factor)


EDITS = {"pre_ln": pre_ln, "rope_positions": rope_positions, "no_block_biases": no_block_biases,
         "no_norm_biases": no_norm_biases, "no_head_bias": no_head_bias, "no_token_type": no_token_type,
         "glu_mlp": glu_mlp, "scaled_out_init": scaled_out_init, "no_positions": no_positions,
         "zero_init_positions": zero_init_positions}


edit_for = functools.partial(model_edit, EDITS)  # a variant's edit; "a+b" applies a, then b


def runs(variants, widths, log2_lrs, seeds, hparams, params=("mup",), overrides=None) -> list:
    """(variant, run) pairs, the first seed's first and the widest first within a seed (so the long runs of a
    partial session finish whole comparisons); ``overrides`` replace protocol fields (``--steps``, ``--set``)."""
    sweep = Sweep(archs=["bert"], params=list(params), widths=widths, log2_lrs=log2_lrs, seeds=seeds,
                  run_fields={**protocol("bert"), **(overrides or {})}, hparams=hparams)
    ordered = sorted(sweep.runs(), key=lambda run: (run.seed, -run.width))
    return [(variant, run) for run in ordered for variant in variants]


_train = functools.partial(train_edited, EDITS)


def main():
    parser = model_edit_parser(__doc__.splitlines()[0], EDITS, widths=[64, 512], log2_lrs=[-9.0],
                               grid_example="output_mult=1,2,4,8", out="experiments/bert_ablation/block_output_mult.jsonl")
    parser.add_argument("--params", nargs="+", default=["mup"], choices=["mup", "sp"],
                        help="sp: transformers' BERT with the same edit")
    args = parser.parse_args()
    jobs = runs(args.variants, args.widths, args.log2_lrs, args.seeds, grid_values(args.grid), args.params,
                protocol_overrides(args))
    todo = unfinished(jobs, args.out)
    train_jobs(_train, todo, args.data, args.out, args.workers)
    if args.report:
        print_report(args.out, [], args.report)


if __name__ == "__main__":
    main()
