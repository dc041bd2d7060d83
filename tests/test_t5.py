"""muP T5 (derivation in mutransformers/models/t5/modeling_t5.py), shown with the coordinate check."""
import math

import pytest

import mutransformers as mt
from mutransformers import coord_check as cc

WIDTHS = [64, 128, 256, 512]
OUTPUTS = {"encoder.block.1": "encoder output", "decoder.block.1": "decoder output", "lm_head": "logits"}


@pytest.fixture(scope="module")
def slopes_after_3_adam_steps():
    """{variant: {module: slope of log RMS against log width at step 3}}."""
    result = {}
    for variant in ("mup", "sp"):
        rows = cc.run("t5", WIDTHS, variant, steps=4, progress=False)
        result[variant] = {s["module"]: s["slope"] for s in cc.fit_slopes(rows) if s["step"] == 3}
    return result


def test_mup_t5_outputs_do_not_grow_with_width(slopes_after_3_adam_steps):
    for module, what in OUTPUTS.items():
        assert slopes_after_3_adam_steps["mup"][module] < cc.MAX_SLOPE, what


def test_sp_t5_encoder_and_decoder_outputs_grow_with_width(slopes_after_3_adam_steps):
    for module in ("encoder.block.1", "decoder.block.1"):
        assert slopes_after_3_adam_steps["sp"][module] > 1.0, OUTPUTS[module]


def test_t5_mup_equals_t5_at_base_width():
    config = mt.T5Config(d_model=64, d_ff=128, d_kv=16, num_heads=4, num_layers=1, vocab_size=40,
                         decoder_start_token_id=0)
    model = mt.T5ForConditionalGeneration(config)
    attention = model.encoder.block[0].layer[0].SelfAttention
    assert attention.scaling == 1.0 and model.model_dim == 64  # T5's own values
    q_std = float(attention.q.weight.detach().std())
    assert math.isclose(q_std, (64 * 16) ** -0.5, rel_tol=0.05)


def test_t5_scales_attention_readout_and_query_init_with_width():
    config = mt.T5Config(d_model=256, d_ff=512, d_kv=64, num_heads=4, num_layers=1, vocab_size=40,
                         decoder_start_token_id=0, mup_base={"d_model": 64, "d_ff": 128, "d_kv": 16})
    model = mt.T5ForConditionalGeneration(config)
    attention = model.encoder.block[0].layer[0].SelfAttention
    assert attention.scaling == pytest.approx(16 / 64)  # attn_mult = base d_kv, divided by d_kv
    assert model.model_dim == 64  # decoder output * 64**-0.5, then MuReadout / width_mult
    assert model.lm_head.width_mult() == 4
    assert float(attention.q.weight.detach().std()) == pytest.approx((256 * 16) ** -0.5, rel=0.05)  # base d_kv
    assert float(attention.k.weight.detach().std()) == pytest.approx(256 ** -0.5, rel=0.05)  # fan-in, T5's own
    assert float(model.shared.weight.detach().std()) == pytest.approx(1.0, rel=0.05)


def test_t5_needs_base_dims_for_the_manual_workflow():
    import mup

    def make(d):
        return mt.T5ForConditionalGeneration(mt.T5Config(d_model=d, d_ff=2 * d, d_kv=d // 4, num_heads=4,
                                                         num_layers=1, vocab_size=40, decoder_start_token_id=0))
    target = make(128)
    mup.set_base_shapes(target, mup.make_base_shapes(make(32), make(48)))
    with pytest.raises(mt.MuPError, match="needs its base dims"):
        target.apply(target._init_weights)
