"""Property test: any config and widths either build a muP model with the right ``infshape`` on
every parameter, or raise our ``MuPError`` — never an error from deep inside torch or transformers,
and never a model that is silently standard parametrization.

The reference for "right" is independent of our shape code: the plain transformers model built at
the base dims. Every parameter's infshape must carry that model's shape as its base shape.
"""
import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from mup import MuReadout

import mutransformers as mt
from mutransformers import families

HEADS = st.integers(1, 6)
WIDTH = st.integers(1, 48)


@st.composite
def configs(draw):
    """(arch, muP config kwargs) with random widths, head counts and base dims (valid or not)."""
    arch = draw(st.sampled_from(sorted(families.ARCHS)))
    heads, width, base_width = draw(HEADS), draw(WIDTH), draw(WIDTH)
    ffn, base_ffn = draw(st.integers(1, 96)), draw(st.integers(1, 96))
    layers = draw(st.integers(1, 2))
    common = dict(vocab_size=40)
    if arch == "gpt2":
        fields = dict(n_embd=width, n_head=heads, n_layer=layers, n_positions=16,
                      n_inner=draw(st.sampled_from([None, ffn])))
        base = {"n_embd": base_width, "n_inner": draw(st.sampled_from([None, base_ffn]))}
    elif arch in ("bert", "roberta"):
        fields = dict(hidden_size=width, intermediate_size=ffn, num_attention_heads=heads,
                      num_hidden_layers=layers, max_position_embeddings=20)
        if arch == "roberta":
            fields.update(pad_token_id=1, bos_token_id=0, eos_token_id=2)
        base = {"hidden_size": base_width, "intermediate_size": base_ffn}
    elif arch == "llama":
        head_dim = draw(st.sampled_from([None, draw(st.integers(1, 16))]))
        fields = dict(hidden_size=width, intermediate_size=ffn, num_attention_heads=heads,
                      num_key_value_heads=draw(st.integers(1, heads)), num_hidden_layers=layers,
                      max_position_embeddings=16, head_dim=head_dim, pad_token_id=0)
        base = {"hidden_size": base_width, "intermediate_size": base_ffn}
        if head_dim is not None:
            base["head_dim"] = draw(st.integers(1, 16))
    else:
        fields = dict(d_model=width, d_ff=ffn, d_kv=draw(st.integers(1, 16)), num_heads=heads, num_layers=layers,
                      decoder_start_token_id=0, pad_token_id=0)
        base = {"d_model": base_width, "d_ff": base_ffn, "d_kv": draw(st.integers(1, 16))}
    if draw(st.booleans()):
        base[draw(st.sampled_from(["num_attention_heads", "n_head", "num_heads"]))] = draw(HEADS)
    return arch, {**common, **fields, "mup_base": base}


def _upstream_base_shapes(arch, config) -> dict:
    """Parameter shapes of the plain transformers model at the base dims."""
    spec = families.ARCHS[arch]
    base = config.mup_base_config()
    with torch.device("meta"):
        model = spec.sp_class(spec.sp_class.config_class(**base.to_dict()))
    return {name: tuple(p.shape) for name, p in model.named_parameters(remove_duplicate=False)}


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(configs())
def test_random_configs_build_with_correct_infshape_or_raise_mup_error(case):
    arch, fields = case
    mu_class = families.ARCHS[arch].mu_class
    try:
        model = mu_class(mu_class.config_class(**fields))
    except mt.MuPError as error:
        assert str(error), "a MuPError must say what is wrong"
        return
    base_shapes = _upstream_base_shapes(arch, model.config)
    for name, param in model.named_parameters():
        assert hasattr(param, "infshape"), f"{name} has no infshape"
        assert tuple(d.dim for d in param.infshape) == tuple(param.shape), name
        # finite dims (vocab, positions, ...) have no base_dim: they must equal the base model's
        assert tuple(d.base_dim if d.isinf() else d.dim for d in param.infshape) == base_shapes[name], name
    for module in model.modules():  # readouts divide by the true width ratio of their input
        if isinstance(module, MuReadout):
            fan_in = module.weight.infshape[-1]
            assert module.width_mult() == pytest.approx(fan_in.dim / fan_in.base_dim)


def test_t5_with_more_heads_than_its_base():
    # found by the property test: the relative attention bias counts heads, so it grows when heads do
    config = mt.T5Config(d_model=32, d_ff=64, d_kv=8, num_heads=4, num_layers=1, vocab_size=40,
                         decoder_start_token_id=0, mup_base={"d_model": 16, "d_ff": 32, "num_heads": 2})
    model = mt.T5ForConditionalGeneration(config)
    bias = model.encoder.block[0].layer[0].SelfAttention.relative_attention_bias.weight
    assert [(d.base_dim, d.dim) for d in bias.infshape] == [(None, 32), (2, 4)]
