"""The newer families (Mistral, Qwen2, Qwen3, OLMo-2, Phi-3, GPT-NeoX, Gemma 3, BART, ModernBERT): what each adds to
Llama (or BERT), and its muP trap."""
import pytest
import torch
import transformers

import mutransformers as mt
from cases import (bart_config, gemma3_config, gpt_neox_config, inputs_for, mistral_config, modernbert_config,
                   olmo2_config, phi3_config, qwen2_config, qwen3_config, tensors_of)


def _lr_of(optimizer, param) -> float:
    return next(g["lr"] for g in optimizer.param_groups if any(p is param for p in g["params"]))


def test_qwen3_qk_norm_gains_are_vector_like_and_hidden_weights_are_not():
    model = mt.MuQwen3ForCausalLM(qwen3_config(128, mup_base={"hidden_size": 32, "intermediate_size": 64,
                                                                "head_dim": 8}))
    attention = model.model.layers[0].self_attn
    assert attention.q_norm.weight.infshape.ninf() == 1 and attention.q_norm.weight.infshape.width_mult() == 4
    optimizer = mt.MuAdamW(model.parameters(), lr=1e-2)
    assert _lr_of(optimizer, attention.q_norm.weight) == _lr_of(optimizer, attention.k_norm.weight) == 1e-2
    assert _lr_of(optimizer, attention.q_proj.weight) == pytest.approx(1e-2 / 4)
    assert attention.scaling == pytest.approx(8 ** 0.5 / 32)  # attn_mult sqrt(base d_head) / d_head


def test_qwen3_refuses_query_zero_init_and_names_why():
    with pytest.raises(mt.MuPError, match=r"MuQwen3Config's QK-norm: q_norm\(0\) is 0, but its slope there is "
                                          r"1/sqrt\(rms_norm_eps\) = 1000"):
        qwen3_config(rms_norm_eps=1e-6, query_zero_init=True)
    model = mt.MuMistralForCausalLM(mistral_config(query_zero_init=True))  # no QK-norm: allowed
    assert model.model.layers[0].self_attn.q_proj.weight.abs().max() == 0


def test_qwen2_attention_biases_are_vector_like():
    model = mt.MuQwen2ForCausalLM(qwen2_config(128, mup_base={"hidden_size": 32, "intermediate_size": 64}))
    attention = model.model.layers[0].self_attn
    for bias in (attention.q_proj.bias, attention.k_proj.bias, attention.v_proj.bias):
        assert bias.infshape.ninf() == 1
    assert attention.o_proj.bias is None  # upstream: biases on q, k, v only
    optimizer = mt.MuAdamW(model.parameters(), lr=1e-2)
    assert _lr_of(optimizer, attention.q_proj.bias) == 1e-2


def test_mistral_with_a_short_sliding_window_equals_upstream_at_base_width_and_scales_beyond():
    window = dict(sliding_window=3)
    sp_model = transformers.MistralForCausalLM(mistral_config(cls=transformers.MistralConfig, **window)).eval()
    mu_model = mt.MuMistralForCausalLM(mistral_config(**window)).eval()
    mu_model.load_state_dict(sp_model.state_dict())
    inputs = inputs_for("lm")
    sp_out, mu_out = tensors_of(sp_model(**inputs)), tensors_of(mu_model(**inputs))
    for key in sp_out:
        assert (sp_out[key] - mu_out[key]).abs().max() <= 1e-5, key
    no_window = mt.MuMistralForCausalLM(mistral_config(sliding_window=None)).eval()
    no_window.load_state_dict(sp_model.state_dict())
    assert (no_window(**inputs).logits - mu_out["logits"]).abs().max() > 1e-3  # the window did act
    wide = mt.MuMistralForCausalLM(mistral_config(128, mup_base={"hidden_size": 32, "intermediate_size": 64},
                                                  **window))
    assert wide.model.layers[0].self_attn.scaling == pytest.approx(8 ** 0.5 / 32)


def test_olmo2_whole_projection_qk_norm_is_vector_like_and_its_traps_are_refused():
    base = {"hidden_size": 32, "intermediate_size": 64}
    model = mt.MuOlmo2ForCausalLM(olmo2_config(128, mup_base=base))
    attention = model.model.layers[0].self_attn
    assert attention.q_norm.weight.shape == (128,) and attention.q_norm.weight.infshape.ninf() == 1
    assert attention.k_norm.weight.infshape.width_mult() == 4  # 2 kv heads x d_head 32 over 2 x 8
    optimizer = mt.MuAdamW(model.parameters(), lr=1e-2)
    assert _lr_of(optimizer, attention.q_norm.weight) == 1e-2
    assert _lr_of(optimizer, attention.q_proj.weight) == pytest.approx(1e-2 / 4)
    with pytest.raises(mt.MuPError, match=r"MuOlmo2Config's QK-norm: q_norm\(0\) is 0"):
        olmo2_config(query_zero_init=True)
    with pytest.raises(mt.MuPError, match=r"OLMo-2 normalizes each sublayer's output and not its input"):
        olmo2_config(128, mup_base={**base, "num_hidden_layers": 1})


def test_phi3_fused_qkv_is_one_hidden_weight_and_its_query_rows_are_the_query():
    model = mt.MuPhi3ForCausalLM(phi3_config(128, mup_base={"hidden_size": 32, "intermediate_size": 64},
                                             query_zero_init=True))
    attention = model.model.layers[0].self_attn
    qkv = attention.qkv_proj.weight  # rows: q (4 heads x 32), k and v (2 kv heads x 32 each)
    assert qkv.shape == (256, 128) and qkv.infshape.ninf() == 2 and qkv.infshape.width_mult() == 4
    assert qkv[:128].abs().max() == 0 and qkv[128:].abs().min() > 0  # query_zero_init: the query rows only
    assert model.model.layers[0].mlp.gate_up_proj.weight.infshape.ninf() == 2
    plain = mt.to_sp(mt.MuPhi3ForCausalLM(phi3_config(128, mup_base={"hidden_size": 32, "intermediate_size": 64})))
    assert type(plain) is transformers.Phi3ForCausalLM


def test_gpt_neox_query_is_the_first_head_size_rows_of_every_heads_block():
    model = mt.MuGPTNeoXForCausalLM(gpt_neox_config(128, mup_base={"hidden_size": 32, "intermediate_size": 64},
                                                    query_zero_init=True))
    attention = model.gpt_neox.layers[0].attention
    per_head = attention.query_key_value.weight.view(4, 3, 32, 128)  # (heads, q/k/v, head_size, width)
    assert per_head[:, 0].abs().max() == 0 and per_head[:, 1:].abs().min() > 0
    assert attention.query_key_value.weight.infshape.ninf() == 2 and attention.scaling == pytest.approx(8 ** 0.5 / 32)
    blocks = model.gpt_neox.layers
    deep = mt.MuGPTNeoXForCausalLM(gpt_neox_config(32, num_hidden_layers=8, mup_base={"num_hidden_layers": 2}))
    multipliers = {m.branch_multiplier for m in deep.modules() if hasattr(m, "branch_multiplier")}
    assert multipliers == {0.25} and len(blocks) == 2  # CompleteP on both parallel branches


def test_gemma3_embedding_scale_is_the_base_widths_and_input_mult_still_acts():
    base = {"hidden_size": 32, "intermediate_size": 64, "head_dim": 8}
    model = mt.MuGemma3ForCausalLM(gemma3_config(128, mup_base=base))
    embedding = model.model.embed_tokens
    assert embedding.embed_scale.item() == pytest.approx(32 ** 0.5)  # upstream: sqrt(128)
    ids = torch.randint(1, 64, (2, 8))
    plain = embedding(ids)
    assert torch.allclose(plain, embedding.weight[ids] * 32 ** 0.5)
    model.config.input_mult = 2.0
    assert torch.allclose(embedding(ids), 2 * plain)  # MuEmbedding over Gemma's own forward
    attention = model.model.layers[0].self_attn
    assert attention.scaling == pytest.approx(6 ** -0.5 * 8 / 32)  # query_pre_attn_scalar^-1/2 at base, then 1/d
    with pytest.raises(mt.MuPError, match=r"Gemma 3 normalizes each sublayer's output as well as its input"):
        gemma3_config(128, mup_base={**base, "num_hidden_layers": 1})
    with pytest.raises(mt.MuPError, match=r"MuGemma3TextConfig's QK-norm"):
        gemma3_config(query_zero_init=True)


def test_bart_embedding_scale_positions_and_one_head_count():
    base = {"d_model": 32, "encoder_ffn_dim": 64, "decoder_ffn_dim": 64}
    model = mt.MuBartForConditionalGeneration(bart_config(128, mup_base=base, scale_embedding=True))
    embedding = model.model.shared
    assert embedding.embed_scale == pytest.approx(32 ** 0.5)  # upstream: sqrt(128), growing with width
    ids = torch.randint(3, 64, (2, 8))
    plain = embedding(ids)
    assert torch.allclose(plain, embedding.weight[ids] * 32 ** 0.5)
    positions = model.model.encoder.embed_positions
    plain_positions = positions(ids)
    model.config.input_mult = 2.0
    assert torch.allclose(embedding(ids), 2 * plain)  # MuEmbedding over BART's own forward
    assert torch.allclose(positions(ids), 2 * plain_positions)  # the learned positions are an input layer too
    for attention in (model.model.decoder.layers[0].self_attn, model.model.decoder.layers[0].encoder_attn):
        assert attention.scaling == pytest.approx(8 ** 0.5 / 32)  # sqrt(base d_head) / d_head
    with pytest.raises(mt.MuPError, match=r"BART is post-LN"):
        bart_config(128, mup_base={**base, "decoder_layers": 1})
    with pytest.raises(mt.MuPError, match=r"encoder_attention_heads=4 but decoder_attention_heads=8.*one head count"):
        bart_config(128, decoder_attention_heads=8)


def test_modernbert_literal_attention_scale_is_carried_by_the_query_rows_on_every_backend():
    """Upstream passes scaling=head_dim**-0.5 to the kernel itself; muP's attn_mult / sqrt(d_head) rides on q."""
    base = {"hidden_size": 32, "intermediate_size": 64}
    eager = mt.MuModernBertForMaskedLM(modernbert_config(128, mup_base=base, attn_implementation="eager")).eval()
    attention = eager.model.layers[0].attn
    assert attention.query_prescale == pytest.approx(0.5)  # sqrt(base d_head 8 / d_head 32)
    inputs = inputs_for("mlm")
    sdpa = mt.MuModernBertForMaskedLM(modernbert_config(128, mup_base=base, attn_implementation="sdpa")).eval()
    sdpa.load_state_dict(eager.state_dict())
    assert (eager(**inputs).logits - sdpa(**inputs).logits).abs().max() < 1e-5

    # the eager kernel's probabilities are softmax(attn_mult * q.k / d_head) of the unscaled projections
    captured = {}
    attention.Wqkv.register_forward_hook(lambda m, args, out: captured.update(x=args[0]))
    probs = eager(**inputs, output_attentions=True).attentions[0]
    qkv = torch.nn.functional.linear(captured["x"], attention.Wqkv.weight).view(2, 8, 3, 4, 32)
    cos, sin = eager.model.rotary_emb(captured["x"], torch.arange(8)[None], "full_attention")
    q, k = transformers.models.modernbert.modeling_modernbert.apply_rotary_pos_emb(
        qkv[:, :, 0].transpose(1, 2), qkv[:, :, 1].transpose(1, 2), cos, sin)
    expected = torch.softmax(8 ** 0.5 * q @ k.transpose(-1, -2) / 32, dim=-1)
    assert (probs - expected).abs().max() < 1e-5

    eager.config.attn_mult = 32 ** 0.5  # derived on every forward: the standard 1/sqrt(d_head) again
    assert attention.query_prescale == pytest.approx(1.0)
    probs = eager(**inputs, output_attentions=True).attentions[0]
    assert (probs - torch.softmax(q @ k.transpose(-1, -2) / 32 ** 0.5, dim=-1)).abs().max() < 1e-5


def test_modernbert_query_zero_init_zeroes_the_query_rows_of_wqkv_only_and_the_window_acts():
    model = mt.MuModernBertForMaskedLM(modernbert_config(64, mup_base={"hidden_size": 32, "intermediate_size": 64},
                                                         query_zero_init=True)).eval()
    weight = model.model.layers[0].attn.Wqkv.weight
    assert weight[:64].abs().max() == 0 and weight[64:].abs().min() > 0
    assert model.config.layer_types == ["full_attention", "sliding_attention"]
    inputs = inputs_for("mlm")
    wide_window = mt.MuModernBertForMaskedLM(modernbert_config(64, mup_base={"hidden_size": 32,
                                                                             "intermediate_size": 64},
                                                               local_attention=64, query_zero_init=True)).eval()
    wide_window.load_state_dict(model.state_dict())
    for layer, other in zip(model.model.layers, wide_window.model.layers):
        layer.attn.Wqkv.weight.data[:64].normal_()  # non-zero queries, so attention depends on the keys
        other.attn.Wqkv.weight.data.copy_(layer.attn.Wqkv.weight)
    assert (model(**inputs).logits - wide_window(**inputs).logits).abs().max() > 1e-4  # the 4-token window acts
