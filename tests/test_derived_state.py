"""Property test: quantities derived from base shapes and the config never go stale.

Whatever way base shapes reach a model (its config, ``mup.set_base_shapes`` by hand, our
``set_base_shapes`` with a .bsh file, ``attach_infshapes``) and whatever muP field of the config is
changed after it was built, the model computes what it will compute after save -> load (bit for
bit), what a fresh model built from the saved config computes with the same weights, and what its
``to_sp`` conversion computes.
"""
import mup
import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import mutransformers as mt
from cases import VOCAB, base_of, gpt2_config, llama_config, roberta_config, t5_config, bert_config

MODELS = {
    "bert": (mt.MuBertForMaskedLM, bert_config),
    "roberta": (mt.MuRobertaForMaskedLM, roberta_config),
    "gpt2": (mt.MuGPT2LMHeadModel, gpt2_config),
    "llama": (mt.MuLlamaForCausalLM, llama_config),
    "t5": (mt.MuT5ForConditionalGeneration, t5_config),
}
WAYS = ("config", "mup.set_base_shapes", "mt.set_base_shapes", "attach_infshapes")


def _inputs(arch):
    ids = torch.randint(3, VOCAB, (2, 8))
    return {"input_ids": ids, "decoder_input_ids": ids.flip(1)} if arch == "t5" else {"input_ids": ids}


def _model(arch, width, base_width, way, tmp_path):
    cls, make_config = MODELS[arch]
    if way == "config":
        return cls(make_config(width, mup_base=base_of(make_config, base_width)))
    model = cls(make_config(width))  # its own base until base shapes are set below
    bsh = mup.make_base_shapes(cls(make_config(base_width)), cls(make_config(base_width + 16)))
    if way == "mup.set_base_shapes":
        mup.set_base_shapes(model, bsh)  # the classic workflow, without the re-init line
    elif way == "mt.set_base_shapes":
        mup.shape.save_base_shapes(bsh, str(tmp_path / "base.bsh"))
        mt.set_base_shapes(model, str(tmp_path / "base.bsh"))
    else:
        mt.attach_infshapes(model, mt.core.shapes.base_dims(bsh))
    return model


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                   HealthCheck.function_scoped_fixture])
@given(arch=st.sampled_from(sorted(MODELS)), width=st.sampled_from([32, 64]), base_width=st.sampled_from([16, 32]),
       way=st.sampled_from(WAYS), output_mult=st.sampled_from([None, 0.5, 3.0]),
       attn_mult=st.sampled_from([None, 2.0]), input_mult=st.sampled_from([None, 4.0]))
def test_saved_reloaded_and_rebuilt_models_compute_the_same(tmp_path_factory, arch, width, base_width, way,
                                                            output_mult, attn_mult, input_mult):
    tmp_path = tmp_path_factory.mktemp("m")
    torch.manual_seed(0)
    model = _model(arch, width, base_width, way, tmp_path).eval()
    for name, value in (("output_mult", output_mult), ("attn_mult", attn_mult), ("input_mult", input_mult)):
        if value is not None:  # changed after the model was built: must act now, and be saved
            setattr(model.config, name, value)
    inputs = _inputs(arch)
    with torch.no_grad():
        logits = model(**inputs).logits
        model.save_pretrained(tmp_path)
        loaded = type(model).from_pretrained(tmp_path).eval()
        assert torch.equal(loaded(**inputs).logits, logits)

        config = type(model.config).from_pretrained(tmp_path)
        if arch == "t5" and way != "config" and width != base_width:  # T5's init formulas need base dims, which a .bsh lacks
            with pytest.raises(mt.MuPError, match="T5 needs its base dims"):
                type(model)(config)
        else:
            fresh = type(model)(config).eval()
            fresh.load_state_dict(model.state_dict())
            assert torch.equal(fresh(**inputs).logits, logits)

        sp = mt.to_sp(model).eval()
        torch.testing.assert_close(sp(**inputs).logits, logits, rtol=1e-4, atol=1e-5)


def test_hand_set_base_shapes_take_effect_without_a_reinit():
    """The issue's case: a model built as its own base, then mup.set_base_shapes: attention follows."""
    model = mt.MuGPT2LMHeadModel(gpt2_config(64))
    attn = model.transformer.h[0].attn
    assert attn.scaling == pytest.approx(1 / 16 ** 0.5)  # its own base: GPT-2's 1/sqrt(d_head)
    mup.set_base_shapes(model, mup.make_base_shapes(mt.MuGPT2LMHeadModel(gpt2_config(16)),
                                                    mt.MuGPT2LMHeadModel(gpt2_config(32))))
    assert attn.scaling == pytest.approx(4 ** 0.5 / 16)  # base d_head 4 (same heads): sqrt(4) / 16
    assert model.lm_head.width_mult() == 4


def test_multipliers_follow_the_config_and_refuse_a_module_level_copy():
    model = mt.MuLlamaForCausalLM(llama_config(64, mup_base=base_of(llama_config, 32)))
    model.config.output_mult, model.config.input_mult = 2.0, 0.5
    assert model.lm_head.output_mult == 2.0 and model.model.embed_tokens.input_mult == 0.5
    with pytest.raises(mt.MuPError, match=r"set model.config.output_mult = 3.0"):
        model.lm_head.output_mult = 3.0
    assert "width_mult=2, output_mult=2" in repr(model.lm_head)
    assert "input_mult=0.5" in repr(model.model.embed_tokens)
    assert "mup_scaling=" in repr(model.model.layers[0].self_attn)
