"""Each parameter's `infshape` classifies it right: hidden matrix, vector-like, readout."""
import re

import pytest
from mup import MuReadout
from torch import nn

import mutransformers as mt
from cases import CASE_IDS, CASES, base_of
from mutransformers.core.shapes import Conv1DInfShape

HIDDEN = re.compile(r"\.(query|key|value|dense|c_attn|c_proj|c_fc|q_attn|[qkvo]_proj|gate_proj|up_proj|down_proj|qkv_proj|gate_up_proj|query_key_value|dense_h_to_4h|dense_4h_to_h|fc1|fc2|out_proj"
                    r"|q|k|v|o|wi|wo|wi_0|wi_1|Wqkv|Wi|Wo)\.weight$")
READOUT_MODULES = {"classifier", "qa_outputs", "score", "lm_head", "cls.seq_relationship", "cls.predictions.decoder",
                   "multiple_choice_head.summary", "lm_head.decoder", "classifier.out_proj",
                   "classification_head.out_proj", "embed_out", "decoder"}
EMBEDDINGS = re.compile(r"(word_embeddings|position_embeddings|token_type_embeddings|wte|wpe|embed_tokens|embed_in|shared|embed_positions|tok_embeddings)"
                        r"\.weight$")
FINITE = re.compile(r"relative_attention_bias\.weight$")  # (buckets, heads): heads fixed


@pytest.mark.parametrize("mu_class, sp_class, make_config, kind, auto_name, extra", CASES, ids=CASE_IDS)
def test_infshape_classification(mu_class, sp_class, make_config, kind, auto_name, extra):
    config = make_config(width=64, mup_base=base_of(make_config, 32), **extra)
    model = mu_class(config)
    modules = dict(model.named_modules())
    readouts = {name for name, m in modules.items() if isinstance(m, MuReadout)}
    linears = {name for name, m in modules.items() if isinstance(m, nn.Linear)}
    assert readouts == READOUT_MODULES & linears, "every width->fixed linear map is a MuReadout"
    for name, p in model.named_parameters():
        shape = p.infshape
        module_name = name.rsplit(".", 1)[0]
        if p.dim() == 1:  # biases and norms: vector-like
            assert shape.ninf() <= 1, name
        elif module_name in readouts:  # untied readout: fixed fan-out, width fan-in
            assert not shape[0].isinf() and shape[1].isinf() and shape.width_mult() == 2, name
        elif HIDDEN.search(name):
            assert shape.ninf() == 2 and shape.width_mult() == 2, name
        elif EMBEDDINGS.search(name):
            assert [d.isinf() for d in shape] == [False, True], name
        elif FINITE.search(name):
            assert shape.ninf() == 0, name
        else:
            raise AssertionError(f"unexpected parameter {name}")
    for readout in readouts:  # tied readouts read their width off the embedding
        assert modules[readout].width_mult() == 2


def test_conv1d_fan_in_is_the_width_that_counts():
    """GPT-2 stores Conv1D weights (fan_in, fan_out): infshape must read fan-in from dim 0."""
    config = mt.GPT2Config(n_embd=64, n_inner=512, n_head=4, n_layer=1, vocab_size=50,
                           mup_base={"n_embd": 32, "n_inner": 128})
    model = mt.GPT2LMHeadModel(config)
    c_fc, c_proj = model.transformer.h[0].mlp.c_fc.weight, model.transformer.h[0].mlp.c_proj.weight
    assert isinstance(c_fc.infshape, Conv1DInfShape)
    assert c_fc.infshape.width_mult() == 2  # fan-in n_embd: 64 / 32 (fan-out would say 4)
    assert c_proj.infshape.width_mult() == 4  # fan-in n_inner: 512 / 128
    assert c_fc.infshape.fanin_fanout()[0].dim == 64


def test_base_shapes_are_built_on_meta_and_cached():
    from mutransformers.core.shapes import _probe_cache
    config = mt.BertConfig(hidden_size=48, intermediate_size=96, num_attention_heads=4, num_hidden_layers=1,
                           vocab_size=40, mup_base={"hidden_size": 24, "intermediate_size": 48})
    before = len(_probe_cache)
    mt.BertForMaskedLM(config)
    mt.BertForMaskedLM(config)
    assert len(_probe_cache) == before + 1


def test_double_heads_summary_is_hidden_when_it_maps_to_the_width():
    config = mt.GPT2Config(n_embd=64, n_head=4, n_layer=1, vocab_size=50, mup_base={"n_embd": 32},
                           summary_proj_to_labels=False)
    summary = mt.GPT2DoubleHeadsModel(config).multiple_choice_head.summary  # Linear(n_embd, n_embd)
    assert not isinstance(summary, MuReadout) and summary.weight.infshape.ninf() == 2
