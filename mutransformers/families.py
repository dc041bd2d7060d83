"""Model families of growing width for the coordinate check and LR sweeps: muP, standard
parametrization, and known-bad muP.

Each architecture is a small LM (2 layers, 4 heads, so d_head grows with width; T5: 2 + 2 layers)
with vocabulary 256 and no dropout. Variants:

* ``mup``: our model, base width = the smallest width checked;
* ``sp``: the plain transformers model with the same dims, trained with plain Adam/SGD;
* ``mup_attn_sqrt_d``: muP but attention scaled 1/sqrt(d_head) at every width (mup issue #8; for T5,
  its unscaled q.k);
* ``mup_linear_readout``: muP but readouts left as plain ``nn.Linear`` (no 1/width_mult);
* ``global_lr``: the muP model trained with the plain optimizer at one learning rate
  ``lr * base_width / width`` for every parameter (a common mistake: right for hidden weights, too
  small for embeddings, biases, norms and readouts, whose updates then vanish with width).

The last three are negative controls: the check must fail them.
"""
from dataclasses import dataclass
from typing import Callable

import torch
import transformers
from mup import MuReadout
from torch import nn

import mutransformers as mt

from .core.errors import MuPError

VOCAB = 256
VARIANTS = ("mup", "sp", "mup_attn_sqrt_d", "mup_linear_readout", "global_lr")


@dataclass(frozen=True)
class Arch:
    mu_class: type
    sp_class: type
    dims: Callable[[int], dict]  # width -> config fields
    base: Callable[[int], dict]  # base width -> mup_base
    masked: bool  # masked LM (else causal, or seq2seq for T5: labels are the input)
    seq2seq: bool = False  # encoder-decoder: the sweeps train it as a prefix LM (see sweep/data.py)
    layers: str = "num_hidden_layers"  # the config's layer count (T5: the decoder follows the encoder)
    # initializations the coordinate check averages muP over: OLMo-2's unnormalized MLP input starts at the
    # embeddings' 0.02, so its MLP output starts near 1e-4 and grows ~1000x in 8 steps, with seed noise to match
    check_seeds: int = 2
    follow_layers: tuple = ()  # other stacks whose layer count follows ``layers`` (BART's decoder)
    # the config field holding the base init std the sweeps vary (None: T5, whose init is fan-in scaled already)
    init_std_field: str | None = "initializer_range"


def _gpt2_dims(width):
    return dict(vocab_size=VOCAB, n_embd=width, n_inner=4 * width, n_head=4, n_layer=2, n_positions=128,
                resid_pdrop=0.0, embd_pdrop=0.0, attn_pdrop=0.0, bos_token_id=0, eos_token_id=0)


def _bert_dims(width):
    return dict(vocab_size=VOCAB, hidden_size=width, intermediate_size=4 * width, num_attention_heads=4,
                num_hidden_layers=2, max_position_embeddings=128, hidden_dropout_prob=0.0,
                attention_probs_dropout_prob=0.0)


def _roberta_dims(width):
    return dict(_bert_dims(width), max_position_embeddings=130, pad_token_id=1, bos_token_id=0, eos_token_id=2)


def _llama_dims(width):
    return dict(vocab_size=VOCAB, hidden_size=width, intermediate_size=4 * width, num_attention_heads=4,
                num_key_value_heads=2, num_hidden_layers=2, max_position_embeddings=128, pad_token_id=0,
                bos_token_id=0, eos_token_id=0)


def _qwen3_dims(width):  # head_dim is a field of its own (default 128): it grows with width here as elsewhere
    return dict(_llama_dims(width), head_dim=width // 4)


def _gpt_neox_dims(width):
    return dict(vocab_size=VOCAB, hidden_size=width, intermediate_size=4 * width, num_attention_heads=4,
                num_hidden_layers=2, max_position_embeddings=128, hidden_dropout=0.0, attention_dropout=0.0,
                bos_token_id=0, eos_token_id=0)


def _gemma3_dims(width):  # Gemma's attention scale is a constant: the base head dim (width 64) here
    return dict(_qwen3_dims(width), query_pre_attn_scalar=16)


def _t5_dims(width):
    return dict(vocab_size=VOCAB, d_model=width, d_ff=4 * width, d_kv=width // 4, num_heads=4, num_layers=2,
                dropout_rate=0.0, pad_token_id=0, eos_token_id=1, decoder_start_token_id=0)


def _bart_dims(width):  # 2 + 2 layers, as T5; the decoder starts from <eos>, as BART's checkpoints do
    return dict(vocab_size=VOCAB, d_model=width, encoder_ffn_dim=4 * width, decoder_ffn_dim=4 * width,
                encoder_attention_heads=4, decoder_attention_heads=4, encoder_layers=2, decoder_layers=2,
                max_position_embeddings=128, dropout=0.0, pad_token_id=0, bos_token_id=0, eos_token_id=1,
                decoder_start_token_id=1, forced_eos_token_id=None)


def _modernbert_dims(width):
    """A global then a local layer (the 128-token window covers the check's 64 tokens). The base std is the
    sweeps' 0.02 * sqrt(768 / 64), not upstream's 0.02 (a std for width 768): ModernBERT truncates it at 2 sigma
    and draws its branch outputs at 0.02 / sqrt(2 L), and from that small an init the second layer's attention
    logits at step 7 of the lr-1e-2 check grow like width^0.31 (4 seeds; 0.35 on 8) under muP, as the first
    steps' updates swamp the init; at 0.069 muP's largest slope is +0.16 and every control still fails."""
    return dict(vocab_size=VOCAB, hidden_size=width, intermediate_size=4 * width, num_attention_heads=4,
                num_hidden_layers=2, max_position_embeddings=128, pad_token_id=0, bos_token_id=1, eos_token_id=2,
                cls_token_id=1, sep_token_id=2, initializer_range=round(0.02 * (768 / 64) ** 0.5, 4))


def _hidden_and_ffn(w):
    return {"hidden_size": w, "intermediate_size": 4 * w}


ARCHS = {
    "gpt2": Arch(mt.MuGPT2LMHeadModel, transformers.GPT2LMHeadModel, _gpt2_dims,
                 lambda w: {"n_embd": w, "n_inner": 4 * w}, masked=False, layers="n_layer"),
    "bert": Arch(mt.MuBertForMaskedLM, transformers.BertForMaskedLM, _bert_dims, _hidden_and_ffn, masked=True),
    "roberta": Arch(mt.MuRobertaForMaskedLM, transformers.RobertaForMaskedLM, _roberta_dims, _hidden_and_ffn,
                    masked=True),
    "llama": Arch(mt.MuLlamaForCausalLM, transformers.LlamaForCausalLM, _llama_dims, _hidden_and_ffn, masked=False),
    "mistral": Arch(mt.MuMistralForCausalLM, transformers.MistralForCausalLM, _llama_dims, _hidden_and_ffn,
                    masked=False),
    "qwen2": Arch(mt.MuQwen2ForCausalLM, transformers.Qwen2ForCausalLM, _llama_dims, _hidden_and_ffn, masked=False),
    "qwen3": Arch(mt.MuQwen3ForCausalLM, transformers.Qwen3ForCausalLM, _qwen3_dims,
                  lambda w: {**_hidden_and_ffn(w), "head_dim": w // 4}, masked=False),
    "olmo2": Arch(mt.MuOlmo2ForCausalLM, transformers.Olmo2ForCausalLM, _llama_dims, _hidden_and_ffn, masked=False,
                  check_seeds=4),
    "phi3": Arch(mt.MuPhi3ForCausalLM, transformers.Phi3ForCausalLM, _llama_dims, _hidden_and_ffn, masked=False),
    "gpt_neox": Arch(mt.MuGPTNeoXForCausalLM, transformers.GPTNeoXForCausalLM, _gpt_neox_dims, _hidden_and_ffn,
                     masked=False),
    "modernbert": Arch(mt.MuModernBertForMaskedLM, transformers.ModernBertForMaskedLM, _modernbert_dims,
                       _hidden_and_ffn, masked=True),
    "gemma3": Arch(mt.MuGemma3ForCausalLM, transformers.Gemma3ForCausalLM, _gemma3_dims,
                   lambda w: {**_hidden_and_ffn(w), "head_dim": w // 4}, masked=False),
    "t5": Arch(mt.MuT5ForConditionalGeneration, transformers.T5ForConditionalGeneration, _t5_dims,
               lambda w: {"d_model": w, "d_ff": 4 * w, "d_kv": w // 4}, masked=False, seq2seq=True,
               layers="num_layers", init_std_field=None),
    "bart": Arch(mt.MuBartForConditionalGeneration, transformers.BartForConditionalGeneration, _bart_dims,
                 lambda w: {"d_model": w, "encoder_ffn_dim": 4 * w, "decoder_ffn_dim": 4 * w}, masked=False,
                 seq2seq=True, layers="encoder_layers", follow_layers=("decoder_layers",), init_std_field="init_std",
                 check_seeds=8),  # its cross-attention output at step 2, widths 64-256, 3 steps: +0.31 on 4 seeds, +0.20 on 8
}
# model_type ("mugemma3_text") -> the family's name ("gemma3")
ARCH_OF_MODEL_TYPE = {spec.mu_class.config_class.model_type: name for name, spec in ARCHS.items()}


def build(arch: str, width: int, variant: str = "mup", base_width: int = 64, attn_factor: float = 1.0,
          base_depth: int | None = None, **overrides) -> nn.Module:
    """One model of the family. ``overrides`` go into the config (e.g. ``output_mult=2.0``, ``n_layer=8``,
    ``depth_alpha=0.5``); ``attn_factor`` multiplies the attention scale the muP model has by default (at
    base width: the architecture's own), so 1 is the default and 2 doubles every attention logit.
    ``base_depth``: the base model's layer count (CompleteP, core/depth.py); None: width-only muP."""
    if arch not in ARCHS:
        raise MuPError(f"Unknown architecture {arch!r}; available: {sorted(ARCHS)}.")
    if variant not in VARIANTS:
        raise MuPError(f"Unknown variant {variant!r}; available: {VARIANTS}.")
    spec = ARCHS[arch]
    dims = {**spec.dims(width), **overrides}
    for field in spec.follow_layers:
        if spec.layers in overrides and field not in overrides:
            dims[field] = overrides[spec.layers]
    if variant == "sp":
        if attn_factor != 1.0:
            raise MuPError("attn_factor needs our model class: build variant 'mup' with base_width=width for a "
                           "standard-parametrization model with multipliers (width_mult 1 is transformers' model).")
        return spec.sp_class(spec.sp_class.config_class(**dims))
    if base_depth is not None and variant == "sp":
        raise MuPError("base_depth is a muP setting; the standard-parametrization model has none.")
    mup_base = spec.base(base_width) if base_depth is None else {**spec.base(base_width), spec.layers: base_depth}
    config = spec.mu_class.config_class(mup_base=mup_base, **dims)
    if variant == "mup_attn_sqrt_d":  # the architecture's own attention scale at every width (mup issue #8)
        config.attn_mult = config.default_attn_mult(config.mup_head_dim())
    if attn_factor != 1.0:
        config.attn_mult = attn_factor * config.base_attn_mult()
    model = spec.mu_class(config)
    if variant == "mup_linear_readout":
        for module in model.modules():
            if isinstance(module, MuReadout):
                module.__class__ = nn.Linear
    return model


def family(arch: str, widths, variant: str = "mup", **overrides) -> dict:
    """{width: builder} for ``collect_coords``; the base width is the smallest width."""
    base_width = min(widths)
    return {w: (lambda w=w: build(arch, w, variant, base_width, **overrides)) for w in widths}


DEPTH_VARIANTS = {"mup": None, "completep": 1.0, "depth_mup": 0.5}  # variant: depth_alpha (None: no depth base)


def depth_family(arch: str, depths, variant: str = "completep", width: int = 128, **overrides) -> dict:
    """{depth: builder} at one width (its own base): ``mup`` has no base depth (muP in width only),
    ``completep`` and ``depth_mup`` take the smallest depth as base with alpha 1 and 0.5."""
    if variant not in DEPTH_VARIANTS:
        raise MuPError(f"Unknown depth variant {variant!r}; available: {sorted(DEPTH_VARIANTS)}.")
    alpha = DEPTH_VARIANTS[variant]
    base_depth = None if alpha is None else min(depths)
    layers = ARCHS[arch].layers
    if base_depth is not None:
        overrides = {**overrides, "depth_alpha": alpha}
    return {d: (lambda d=d: build(arch, width, "mup", width, base_depth=base_depth, **{layers: d}, **overrides))
            for d in depths}


def uses_mup_optimizer(variant: str) -> bool:
    return variant not in ("sp", "global_lr")


def learning_rate(variant: str, lr: float, width: int, base_width: int) -> float:
    """The LR a variant trains with at ``width`` (per group, mup's optimizer scales it further)."""
    return lr * base_width / width if variant == "global_lr" else lr


def markov_batches(steps: int, masked: bool = False, batch_size: int = 8, seq_len: int = 64,
                   seed: int = 0) -> list[dict]:
    """Token batches shared by every width, drawn from a fixed sparse Markov chain.

    Each token has 4 likely successors (90% of the mass), so the data is learnable like text and
    gradients are coherent from the first step, which is when SP's blow-up starts. Causal LMs
    predict the next token; masked LMs (``masked=True``) recover 15% masked tokens from their
    neighbours (mask id: ``VOCAB - 1``), so attention has to work.
    """
    generator = torch.Generator().manual_seed(seed)
    successors = torch.randint(0, VOCAB - 1, (VOCAB, 4), generator=generator)
    batches = []
    for _ in range(steps):
        ids = torch.empty(batch_size, seq_len, dtype=torch.long)
        ids[:, 0] = torch.randint(0, VOCAB - 1, (batch_size,), generator=generator)
        for t in range(1, seq_len):
            follow = successors[ids[:, t - 1], torch.randint(0, 4, (batch_size,), generator=generator)]
            noise = torch.randint(0, VOCAB - 1, (batch_size,), generator=generator)
            ids[:, t] = torch.where(torch.rand(batch_size, generator=generator) < 0.9, follow, noise)
        labels = ids.clone()
        if masked:
            mask = torch.rand(ids.shape, generator=generator) < 0.15
            labels[~mask] = -100
            ids = ids.masked_fill(mask, VOCAB - 1)
        batches.append({"input_ids": ids, "labels": labels})
    return batches
