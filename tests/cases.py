"""Tiny configs and inputs for every muP class, and seed means of committed results, shared by the tests."""
from pathlib import Path

import torch
import transformers

import mutransformers as mt
from mutransformers import sweep as sw
from mutransformers.sweep.train import make_optimizer

VOCAB, BATCH, SEQ, CHOICES = 64, 2, 8, 3


def bert_config(width=32, cls=mt.MuBertConfig, **overrides):
    fields = dict(vocab_size=VOCAB, hidden_size=width, intermediate_size=2 * width, num_attention_heads=4,
                  num_hidden_layers=2, max_position_embeddings=32, num_labels=3,
                  hidden_dropout_prob=0.0, attention_probs_dropout_prob=0.0)
    fields.update(overrides)
    return cls(**fields)


def gpt2_config(width=32, cls=mt.MuGPT2Config, **overrides):
    fields = dict(vocab_size=VOCAB, n_embd=width, n_head=4, n_layer=2, n_positions=32, num_labels=3,
                  pad_token_id=0, bos_token_id=1, eos_token_id=2,
                  resid_pdrop=0.0, embd_pdrop=0.0, attn_pdrop=0.0, summary_first_dropout=0.0)
    fields.update(overrides)
    return cls(**fields)


def roberta_config(width=32, cls=mt.MuRobertaConfig, **overrides):
    return bert_config(width, cls, **{"pad_token_id": 1, "bos_token_id": 0, "eos_token_id": 2, **overrides})


def llama_config(width=32, cls=mt.MuLlamaConfig, **overrides):
    fields = dict(vocab_size=VOCAB, hidden_size=width, intermediate_size=2 * width, num_attention_heads=4,
                  num_key_value_heads=2, num_hidden_layers=2, max_position_embeddings=32, num_labels=3,
                  pad_token_id=0, bos_token_id=1, eos_token_id=2)
    fields.update(overrides)
    return cls(**fields)


def mistral_config(width=32, cls=mt.MuMistralConfig, **overrides):
    return llama_config(width, cls, **overrides)


def olmo2_config(width=32, cls=mt.MuOlmo2Config, **overrides):
    return llama_config(width, cls, **overrides)


def phi3_config(width=32, cls=mt.MuPhi3Config, **overrides):
    return llama_config(width, cls, **overrides)


def gemma3_config(width=32, cls=mt.MuGemma3TextConfig, **overrides):
    # query_pre_attn_scalar: Gemma's attention scale, fixed (not d_head) as in its checkpoints
    return llama_config(width, cls, **{"head_dim": width // 4, "query_pre_attn_scalar": 6,
                                       "final_logit_softcapping": 30.0, **overrides})


def qwen2_config(width=32, cls=mt.MuQwen2Config, **overrides):
    return llama_config(width, cls, **overrides)


def qwen3_config(width=32, cls=mt.MuQwen3Config, **overrides):
    return llama_config(width, cls, **{"head_dim": width // 4, **overrides})


def gpt_neox_config(width=32, cls=mt.MuGPTNeoXConfig, **overrides):
    fields = dict(vocab_size=VOCAB, hidden_size=width, intermediate_size=2 * width, num_attention_heads=4,
                  num_hidden_layers=2, max_position_embeddings=32, num_labels=3, hidden_dropout=0.0,
                  attention_dropout=0.0, classifier_dropout=0.0, pad_token_id=0, bos_token_id=1, eos_token_id=2,
                  rope_parameters={"rope_type": "default", "rope_theta": 10000.0, "partial_rotary_factor": 0.5})
    fields.update(overrides)
    return cls(**fields)


def t5_config(width=32, cls=mt.MuT5Config, **overrides):
    fields = dict(vocab_size=VOCAB, d_model=width, d_ff=2 * width, d_kv=width // 4, num_heads=4, num_layers=2,
                  num_labels=3, dropout_rate=0.0, pad_token_id=0, eos_token_id=1, decoder_start_token_id=0)
    fields.update(overrides)
    return cls(**fields)


def bart_config(width=32, cls=mt.MuBartConfig, **overrides):
    # eos 1, as T5's, so the eos-pooling heads find one <eos> per example ("eos_seqcls")
    fields = dict(vocab_size=VOCAB, d_model=width, encoder_ffn_dim=2 * width, decoder_ffn_dim=2 * width,
                  encoder_attention_heads=4, decoder_attention_heads=4, encoder_layers=2, decoder_layers=2,
                  max_position_embeddings=32, num_labels=3, dropout=0.0, pad_token_id=0, eos_token_id=1,
                  bos_token_id=2, decoder_start_token_id=2, forced_eos_token_id=None)
    fields.update(overrides)
    return cls(**fields)


def modernbert_config(width=32, cls=mt.MuModernBertConfig, **overrides):
    # a global then a local layer (global every 3rd); a 4-token window (half 2) shorter than SEQ, so it masks
    fields = dict(vocab_size=VOCAB, hidden_size=width, intermediate_size=2 * width, num_attention_heads=4,
                  num_hidden_layers=2, max_position_embeddings=32, num_labels=3, local_attention=4, pad_token_id=0,
                  bos_token_id=1, eos_token_id=2, cls_token_id=1, sep_token_id=2)
    fields.update(overrides)
    return cls(**fields)


def _ids(*shape):
    return torch.randint(3, VOCAB, shape)


def _labels(n, *shape):
    return torch.randint(0, n, shape)


def inputs_for(kind: str) -> dict:
    """Model inputs, labels included, for a head kind."""
    B, T = BATCH, SEQ
    if kind in ("base",):
        return {"input_ids": _ids(B, T)}
    if kind == "s2s_base":
        return {"input_ids": _ids(B, T), "decoder_input_ids": _ids(B, T)}
    if kind == "s2s":
        return {"input_ids": _ids(B, T), "labels": _labels(VOCAB, B, T)}
    if kind == "eos_seqcls":  # T5 pools at the one <eos> (id 1) of each example
        ids = _ids(B, T)
        ids[:, -1] = 1
        return {"input_ids": ids, "labels": _labels(3, B)}
    if kind in ("lm", "mlm", "causal", "token"):
        n = VOCAB if kind != "token" else 3
        return {"input_ids": _ids(B, T), "labels": _labels(n, B, T)}
    if kind == "pretraining":
        return {"input_ids": _ids(B, T), "labels": _labels(VOCAB, B, T), "next_sentence_label": _labels(2, B)}
    if kind == "nsp":
        return {"input_ids": _ids(B, T), "labels": _labels(2, B)}
    if kind == "seqcls":
        return {"input_ids": _ids(B, T), "labels": _labels(3, B)}
    if kind == "qa":
        return {"input_ids": _ids(B, T), "start_positions": _labels(T, B), "end_positions": _labels(T, B)}
    if kind == "choice":
        return {"input_ids": _ids(B, CHOICES, T), "labels": _labels(CHOICES, B)}
    if kind == "double":
        return {"input_ids": _ids(B, CHOICES, T), "labels": _labels(VOCAB, B, CHOICES, T),
                "mc_token_ids": torch.full((B, CHOICES), T - 1), "mc_labels": _labels(CHOICES, B)}
    raise KeyError(kind)


# (muP class, upstream class, config factory, head kind, Auto class name or None, extra config fields)
CASES = [
    (mt.MuBertModel, transformers.BertModel, bert_config, "base", "AutoModel", {}),
    (mt.MuBertForPreTraining, transformers.BertForPreTraining, bert_config, "pretraining",
     "AutoModelForPreTraining", {}),
    (mt.MuBertLMHeadModel, transformers.BertLMHeadModel, bert_config, "causal", "AutoModelForCausalLM",
     {"is_decoder": True}),
    (mt.MuBertForMaskedLM, transformers.BertForMaskedLM, bert_config, "mlm", "AutoModelForMaskedLM", {}),
    (mt.MuBertForNextSentencePrediction, transformers.BertForNextSentencePrediction, bert_config, "nsp",
     "AutoModelForNextSentencePrediction", {}),
    (mt.MuBertForSequenceClassification, transformers.BertForSequenceClassification, bert_config, "seqcls",
     "AutoModelForSequenceClassification", {}),
    (mt.MuBertForMultipleChoice, transformers.BertForMultipleChoice, bert_config, "choice",
     "AutoModelForMultipleChoice", {}),
    (mt.MuBertForTokenClassification, transformers.BertForTokenClassification, bert_config, "token",
     "AutoModelForTokenClassification", {}),
    (mt.MuBertForQuestionAnswering, transformers.BertForQuestionAnswering, bert_config, "qa",
     "AutoModelForQuestionAnswering", {"num_labels": 2}),
    (mt.MuGPT2Model, transformers.GPT2Model, gpt2_config, "base", "AutoModel", {}),
    (mt.MuGPT2LMHeadModel, transformers.GPT2LMHeadModel, gpt2_config, "lm", "AutoModelForCausalLM", {}),
    (mt.MuGPT2DoubleHeadsModel, transformers.GPT2DoubleHeadsModel, gpt2_config, "double", None, {}),
    (mt.MuGPT2ForSequenceClassification, transformers.GPT2ForSequenceClassification, gpt2_config, "seqcls",
     "AutoModelForSequenceClassification", {}),
    (mt.MuGPT2ForTokenClassification, transformers.GPT2ForTokenClassification, gpt2_config, "token",
     "AutoModelForTokenClassification", {}),
    (mt.MuGPT2ForQuestionAnswering, transformers.GPT2ForQuestionAnswering, gpt2_config, "qa",
     "AutoModelForQuestionAnswering", {}),
]
CASES += [
    (mt.MuRobertaModel, transformers.RobertaModel, roberta_config, "base", "AutoModel", {}),
    (mt.MuRobertaForMaskedLM, transformers.RobertaForMaskedLM, roberta_config, "mlm", "AutoModelForMaskedLM", {}),
    (mt.MuRobertaForCausalLM, transformers.RobertaForCausalLM, roberta_config, "causal", "AutoModelForCausalLM",
     {"is_decoder": True}),
    (mt.MuRobertaForSequenceClassification, transformers.RobertaForSequenceClassification, roberta_config,
     "seqcls", "AutoModelForSequenceClassification", {}),
    (mt.MuRobertaForTokenClassification, transformers.RobertaForTokenClassification, roberta_config, "token",
     "AutoModelForTokenClassification", {}),
    (mt.MuRobertaForQuestionAnswering, transformers.RobertaForQuestionAnswering, roberta_config, "qa",
     "AutoModelForQuestionAnswering", {"num_labels": 2}),
    (mt.MuRobertaForMultipleChoice, transformers.RobertaForMultipleChoice, roberta_config, "choice",
     "AutoModelForMultipleChoice", {}),
    (mt.MuT5Model, transformers.T5Model, t5_config, "s2s_base", "AutoModel", {}),
    (mt.MuT5ForConditionalGeneration, transformers.T5ForConditionalGeneration, t5_config, "s2s",
     "AutoModelForSeq2SeqLM", {}),
    (mt.MuT5EncoderModel, transformers.T5EncoderModel, t5_config, "base", "AutoModelForTextEncoding", {}),
    (mt.MuT5ForSequenceClassification, transformers.T5ForSequenceClassification, t5_config, "eos_seqcls",
     "AutoModelForSequenceClassification", {}),
    (mt.MuT5ForTokenClassification, transformers.T5ForTokenClassification, t5_config, "token",
     "AutoModelForTokenClassification", {}),
    (mt.MuT5ForQuestionAnswering, transformers.T5ForQuestionAnswering, t5_config, "qa",
     "AutoModelForQuestionAnswering", {"num_labels": 2}),
    (mt.MuLlamaModel, transformers.LlamaModel, llama_config, "base", "AutoModel", {}),
    (mt.MuLlamaForCausalLM, transformers.LlamaForCausalLM, llama_config, "lm", "AutoModelForCausalLM", {}),
    (mt.MuLlamaForCausalLM, transformers.LlamaForCausalLM, llama_config, "lm", "AutoModelForCausalLM",
     {"tie_word_embeddings": True}),
    (mt.MuLlamaForSequenceClassification, transformers.LlamaForSequenceClassification, llama_config, "seqcls",
     "AutoModelForSequenceClassification", {}),
    (mt.MuLlamaForTokenClassification, transformers.LlamaForTokenClassification, llama_config, "token",
     "AutoModelForTokenClassification", {}),
    (mt.MuLlamaForQuestionAnswering, transformers.LlamaForQuestionAnswering, llama_config, "qa",
     "AutoModelForQuestionAnswering", {}),
]
for prefix, factory in (("Mistral", mistral_config), ("Qwen2", qwen2_config), ("Qwen3", qwen3_config)):
    CASES += [
        (getattr(mt, f"Mu{prefix}Model"), getattr(transformers, f"{prefix}Model"), factory, "base", "AutoModel", {}),
        (getattr(mt, f"Mu{prefix}ForCausalLM"), getattr(transformers, f"{prefix}ForCausalLM"), factory, "lm",
         "AutoModelForCausalLM", {}),
        (getattr(mt, f"Mu{prefix}ForCausalLM"), getattr(transformers, f"{prefix}ForCausalLM"), factory, "lm",
         "AutoModelForCausalLM", {"tie_word_embeddings": True}),
        (getattr(mt, f"Mu{prefix}ForSequenceClassification"), getattr(transformers, f"{prefix}ForSequenceClassification"),
         factory, "seqcls", "AutoModelForSequenceClassification", {}),
        (getattr(mt, f"Mu{prefix}ForTokenClassification"), getattr(transformers, f"{prefix}ForTokenClassification"),
         factory, "token", "AutoModelForTokenClassification", {}),
        (getattr(mt, f"Mu{prefix}ForQuestionAnswering"), getattr(transformers, f"{prefix}ForQuestionAnswering"),
         factory, "qa", "AutoModelForQuestionAnswering", {}),
    ]
CASES += [
    (mt.MuOlmo2Model, transformers.Olmo2Model, olmo2_config, "base", "AutoModel", {}),
    (mt.MuOlmo2ForCausalLM, transformers.Olmo2ForCausalLM, olmo2_config, "lm", "AutoModelForCausalLM", {}),
    (mt.MuOlmo2ForCausalLM, transformers.Olmo2ForCausalLM, olmo2_config, "lm", "AutoModelForCausalLM",
     {"tie_word_embeddings": True}),
    (mt.MuOlmo2ForSequenceClassification, transformers.Olmo2ForSequenceClassification, olmo2_config, "seqcls",
     "AutoModelForSequenceClassification", {}),
]
CASES += [
    (mt.MuPhi3Model, transformers.Phi3Model, phi3_config, "base", "AutoModel", {}),
    (mt.MuPhi3ForCausalLM, transformers.Phi3ForCausalLM, phi3_config, "lm", "AutoModelForCausalLM", {}),
    (mt.MuPhi3ForCausalLM, transformers.Phi3ForCausalLM, phi3_config, "lm", "AutoModelForCausalLM",
     {"tie_word_embeddings": True}),
    (mt.MuPhi3ForSequenceClassification, transformers.Phi3ForSequenceClassification, phi3_config, "seqcls",
     "AutoModelForSequenceClassification", {}),
    (mt.MuPhi3ForTokenClassification, transformers.Phi3ForTokenClassification, phi3_config, "token",
     "AutoModelForTokenClassification", {}),
]
CASES += [
    (mt.MuGPTNeoXModel, transformers.GPTNeoXModel, gpt_neox_config, "base", "AutoModel", {}),
    (mt.MuGPTNeoXForCausalLM, transformers.GPTNeoXForCausalLM, gpt_neox_config, "lm", "AutoModelForCausalLM", {}),
    (mt.MuGPTNeoXForCausalLM, transformers.GPTNeoXForCausalLM, gpt_neox_config, "lm", "AutoModelForCausalLM",
     {"tie_word_embeddings": True}),
    (mt.MuGPTNeoXForCausalLM, transformers.GPTNeoXForCausalLM, gpt_neox_config, "lm", "AutoModelForCausalLM",
     {"use_parallel_residual": False}),
    (mt.MuGPTNeoXForSequenceClassification, transformers.GPTNeoXForSequenceClassification, gpt_neox_config,
     "seqcls", "AutoModelForSequenceClassification", {}),
    (mt.MuGPTNeoXForTokenClassification, transformers.GPTNeoXForTokenClassification, gpt_neox_config, "token",
     "AutoModelForTokenClassification", {}),
    (mt.MuGPTNeoXForQuestionAnswering, transformers.GPTNeoXForQuestionAnswering, gpt_neox_config, "qa",
     "AutoModelForQuestionAnswering", {}),
]
CASES += [
    (mt.MuGemma3TextModel, transformers.Gemma3TextModel, gemma3_config, "base", "AutoModel", {}),
    (mt.MuGemma3ForCausalLM, transformers.Gemma3ForCausalLM, gemma3_config, "lm", "AutoModelForCausalLM", {}),
    (mt.MuGemma3ForCausalLM, transformers.Gemma3ForCausalLM, gemma3_config, "lm", "AutoModelForCausalLM",
     {"tie_word_embeddings": False}),
    (mt.MuGemma3TextForSequenceClassification, transformers.Gemma3TextForSequenceClassification, gemma3_config,
     "seqcls", "AutoModelForSequenceClassification", {}),
]
CASES += [
    (mt.MuBartModel, transformers.BartModel, bart_config, "s2s_base", "AutoModel", {}),
    (mt.MuBartForConditionalGeneration, transformers.BartForConditionalGeneration, bart_config, "s2s",
     "AutoModelForSeq2SeqLM", {}),
    (mt.MuBartForConditionalGeneration, transformers.BartForConditionalGeneration, bart_config, "s2s",
     "AutoModelForSeq2SeqLM", {"scale_embedding": True}),
    (mt.MuBartForSequenceClassification, transformers.BartForSequenceClassification, bart_config, "eos_seqcls",
     "AutoModelForSequenceClassification", {}),
    (mt.MuBartForQuestionAnswering, transformers.BartForQuestionAnswering, bart_config, "qa",
     "AutoModelForQuestionAnswering", {"num_labels": 2}),
    (mt.MuBartForCausalLM, transformers.BartForCausalLM, bart_config, "causal", "AutoModelForCausalLM", {}),
]
CASES += [
    (mt.MuModernBertModel, transformers.ModernBertModel, modernbert_config, "base", "AutoModel", {}),
    (mt.MuModernBertForMaskedLM, transformers.ModernBertForMaskedLM, modernbert_config, "mlm",
     "AutoModelForMaskedLM", {}),
    (mt.MuModernBertForMaskedLM, transformers.ModernBertForMaskedLM, modernbert_config, "mlm",
     "AutoModelForMaskedLM", {"attention_bias": True, "mlp_bias": True}),  # to_sp folds into Wqkv's query bias
    (mt.MuModernBertForSequenceClassification, transformers.ModernBertForSequenceClassification, modernbert_config,
     "seqcls", "AutoModelForSequenceClassification", {}),
    (mt.MuModernBertForTokenClassification, transformers.ModernBertForTokenClassification, modernbert_config,
     "token", "AutoModelForTokenClassification", {}),
    (mt.MuModernBertForQuestionAnswering, transformers.ModernBertForQuestionAnswering, modernbert_config, "qa",
     "AutoModelForQuestionAnswering", {"num_labels": 2}),
    (mt.MuModernBertForMultipleChoice, transformers.ModernBertForMultipleChoice, modernbert_config, "choice",
     "AutoModelForMultipleChoice", {}),
]
CASE_IDS = [case[0].__name__ + ("-tied" if case[5].get("tie_word_embeddings") else "")
            + ("-bias" if case[5].get("attention_bias") else "")
            + ("-untied" if case[5].get("tie_word_embeddings") is False else "")
            + ("-scaled" if case[5].get("scale_embedding") else "") for case in CASES]


def base_of(config_factory, width):
    """`mup_base` for a config factory at base width `width` (FFN and head dims as the factory sets them)."""
    if config_factory is gpt2_config:
        return {"n_embd": width}
    if config_factory is t5_config:
        return {"d_model": width, "d_ff": 2 * width, "d_kv": width // 4}
    if config_factory is bart_config:
        return {"d_model": width, "encoder_ffn_dim": 2 * width, "decoder_ffn_dim": 2 * width}
    if config_factory in (qwen3_config, gemma3_config):
        return {"hidden_size": width, "intermediate_size": 2 * width, "head_dim": width // 4}
    return {"hidden_size": width, "intermediate_size": 2 * width}


def tensors_of(output) -> dict:
    return {k: v for k, v in output.items() if isinstance(v, torch.Tensor)}


def seed_means(records, *fields) -> dict:
    """{(record[field] for field in fields): held-out loss averaged over the records' seeds, to 3 decimals}."""
    losses = {}
    for r in records:
        losses.setdefault(tuple(r[f] for f in fields), []).append(r["eval_loss"])
    return {key: round(sum(v) / len(v), 3) for key, v in losses.items()}


def train_two_steps(model, run):
    """Two optimizer steps of ``run``'s optimizer on one random batch (does an edited model still train?)."""
    optimizer = make_optimizer(model, run)
    ids = torch.randint(0, run.vocab_size, (2, run.seq_len))
    for _ in range(2):
        model(input_ids=ids, labels=ids).loss.backward()
        optimizer.step()
        optimizer.zero_grad()


def committed_set_sweep(path, n_runs, config_set, steps) -> list:
    """The records of a committed ``sweep --set FIELD=VALUE`` result file, checked as every such file must be:
    all its runs there, none diverged, all with that setting and that many steps."""
    records = sw.load(path)
    assert len(records) == n_runs and not any(r["diverged"] for r in records)
    assert {r["config_set"] for r in records} == {config_set} and {r["steps"] for r in records} == {steps}
    return records


def assert_optimum_moves(analysis, optima, vertices, shift, gap, spread):
    """One swept HP's committed analysis, as the README states it: per width (width, argmin, each seed's argmin) and
    the parabola's vertex, in log2 of the HP; the optimum's shift in grid steps; wider better near every optimum;
    what the narrowest width's optimum costs the widest, and the seed spread at the optimum, in nats."""
    assert [(r["width"], r["best_log2"], r["seed_optima_log2"]) for r in analysis["widths"]] == optima
    assert [round(r["parabola_log2"], 2) for r in analysis["widths"]] == vertices
    assert analysis["optimum_shift_steps"] == shift and analysis["wider_better_near_optimum"]
    assert (round(analysis["transfer_gap"], 3), round(analysis["seed_spread_at_optimum"], 3)) == (gap, spread)


def documentation() -> str:
    """The README and every page of the documentation site (docs/), as one text: a claim the tests check is
    found wherever it is stated."""
    root = Path(__file__).resolve().parents[1]
    pages = [root / "README.md", *sorted((root / "docs").rglob("*.md"))]
    return "\n\n".join(p.read_text(encoding="utf-8") for p in pages)
