"""muP init, zero-init options and 1/d attention, built straight from a config."""
import math

import pytest
import torch

import mutransformers as mt


def _std(p):
    return float(p.detach().std())


def gpt2(width, **kw):
    fields = dict(n_embd=width, n_head=4, n_layer=2, vocab_size=64, mup_base={"n_embd": 32})
    fields.update(kw)
    return mt.GPT2LMHeadModel(mt.GPT2Config(**fields))


def bert(width, model_class=mt.BertForMaskedLM, **kw):
    fields = dict(hidden_size=width, intermediate_size=2 * width, num_attention_heads=4, num_hidden_layers=2,
                  vocab_size=64, mup_base={"hidden_size": 32, "intermediate_size": 64})
    fields.update(kw)
    return model_class(mt.BertConfig(**fields))


def test_hidden_std_scales_as_one_over_sqrt_width_mult():
    small, large = bert(64), bert(512)  # width_mult 2 and 16
    q_small = small.bert.encoder.layer[0].attention.self.query.weight
    q_large = large.bert.encoder.layer[0].attention.self.query.weight
    assert abs(_std(q_small) / _std(q_large) - math.sqrt(8)) < 0.1
    assert abs(_std(q_large) - 0.02 / 4) < 0.0003
    # input weights keep their width-independent init
    emb_small, emb_large = small.bert.embeddings.word_embeddings.weight, large.bert.embeddings.word_embeddings.weight
    assert abs(_std(emb_small) - 0.02) < 0.002 and abs(_std(emb_large) - 0.02) < 0.002


def test_gpt2_depth_scaled_c_proj_init_is_kept():
    model = gpt2(512, n_layer=4)  # width_mult 16
    c_proj = model.transformer.h[0].attn.c_proj.weight
    assert abs(_std(c_proj) - 0.02 / math.sqrt(2 * 4) / 4) < 0.0002
    c_fc = model.transformer.h[0].mlp.c_fc.weight
    assert abs(_std(c_fc) - 0.02 / 4) < 0.0002


def test_construction_is_deterministic_and_finite():
    torch.manual_seed(1)
    a = bert(64)
    torch.manual_seed(1)
    b = bert(64)
    for (name, p), q in zip(a.named_parameters(), b.parameters()):
        assert torch.isfinite(p).all() and torch.equal(p, q), name


def test_readout_zero_init_spares_a_tied_embedding():
    tied = gpt2(64, readout_zero_init=True)
    assert tied.lm_head.weight is tied.transformer.wte.weight
    assert abs(_std(tied.transformer.wte.weight) - 0.02) < 0.002
    untied = gpt2(64, readout_zero_init=True, tie_word_embeddings=False)
    assert untied.lm_head.weight is not untied.transformer.wte.weight
    assert untied.lm_head.weight.abs().max() == 0
    assert abs(_std(untied.transformer.wte.weight) - 0.02) < 0.002
    classifier = bert(64, mt.BertForSequenceClassification, readout_zero_init=True).classifier
    assert classifier.weight.abs().max() == 0


def test_query_zero_init():
    model = gpt2(64, query_zero_init=True)
    c_attn = model.transformer.h[0].attn.c_attn.weight  # (n_embd, 3 n_embd): q | k | v
    assert c_attn[:, :64].abs().max() == 0 and _std(c_attn[:, 64:]) > 0.005
    model = bert(64, query_zero_init=True)
    attn = model.bert.encoder.layer[1].attention.self
    assert attn.query.weight.abs().max() == 0 and _std(attn.key.weight) > 0.005


@pytest.mark.parametrize("base, attn_mult, expected", [
    ({"hidden_size": 32, "intermediate_size": 64}, None, math.sqrt(8) / 16),   # base d_head 32/4
    ({"hidden_size": 32, "num_attention_heads": 2}, None, math.sqrt(16) / 16),  # base d_head 32/2
    (None, None, 1 / math.sqrt(16)),                                            # own base: SP value
    ({"hidden_size": 32}, 1.0, 1.0 / 16),
])
def test_attention_scaling_uses_base_head_dim(base, attn_mult, expected):
    model = bert(64, mup_base=base, attn_mult=attn_mult)  # d_head 64 / 4 = 16
    for layer in model.bert.encoder.layer:
        assert math.isclose(layer.attention.self.scaling, expected)


def test_gpt2_inverse_layer_idx_scaling_kept_on_top_of_one_over_d():
    model = gpt2(64, scale_attn_by_inverse_layer_idx=True, attn_mult=2.0)
    for i, block in enumerate(model.transformer.h):
        assert math.isclose(block.attn.scaling, 2.0 / 16 / (i + 1))


@pytest.mark.parametrize("build", [bert, gpt2])
def test_eager_and_sdpa_agree_under_mup(build):
    model = build(64, attn_mult=3.0).eval()
    x = torch.randint(0, 64, (2, 8))
    model.set_attn_implementation("sdpa")
    sdpa = model(x).logits
    model.set_attn_implementation("eager")
    eager = model(x).logits
    assert (sdpa - eager).abs().max() < 1e-5
    assert math.isclose(model.config.attn_mult, 3.0)


def test_input_mult_scales_the_embedding_output():
    x = torch.randint(0, 64, (1, 5))
    torch.manual_seed(0)
    plain = gpt2(64).transformer.wte
    torch.manual_seed(0)
    scaled = gpt2(64, input_mult=3.0).transformer.wte
    assert torch.allclose(scaled(x), 3.0 * plain(x))
