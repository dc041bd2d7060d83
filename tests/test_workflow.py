"""The classic manual workflow (microsoft/mutransformers README) runs verbatim and is muP."""
import math

import torch
from mup import MuReadout

SEED_WORKFLOW = """
from mutransformers import BertConfig, BertForMaskedLM
from mup import make_base_shapes, set_base_shapes
base_config = BertConfig(hidden_size=256, intermediate_size=256, num_attention_heads=16)
base_model = BertForMaskedLM(config=base_config)
delta_config = BertConfig(hidden_size=200, intermediate_size=300, num_attention_heads=5)
delta_model = BertForMaskedLM(config=delta_config)
base_shapes = make_base_shapes(base_model, delta_model, savefile='bert256.bsh')
target_config = BertConfig(hidden_size=1024, intermediate_size=1024*4, num_attention_heads=32)
target_model = BertForMaskedLM(config=target_config)
set_base_shapes(target_model, base_shapes)
target_model.apply(target_model._init_weights)
"""


def _std(p):
    return float(p.detach().std())


def test_seed_workflow_runs_verbatim_and_reinitializes_in_mup(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    scope = {}
    exec(SEED_WORKFLOW, scope)
    assert (tmp_path / "bert256.bsh").exists()
    base, target = scope["base_model"], scope["target_model"]

    # width_mult 4 (1024 / 256): hidden std 0.02 -> 0.01, i.e. 1 / sqrt(width_mult)
    query = target.bert.encoder.layer[0].attention.self.query.weight
    assert query.infshape.width_mult() == 4
    ratio = _std(base.bert.encoder.layer[0].attention.self.query.weight) / _std(query)
    assert abs(ratio - 2.0) < 0.05, ratio
    ffn_in = target.bert.encoder.layer[0].intermediate.dense.weight  # fan-in 1024 (base 256)
    assert abs(_std(ffn_in) - 0.02 / 2) < 0.0005

    # set_base_shapes(rescale_params=True) multiplied the tied embedding by sqrt(4); the re-init undid it
    embedding = target.bert.embeddings.word_embeddings.weight
    assert abs(_std(embedding) - 0.02) < 0.0005
    decoder = target.cls.predictions.decoder
    assert isinstance(decoder, MuReadout) and decoder.weight is embedding and decoder.width_mult() == 4

    # attention 1/d: base head count unknown from a .bsh -> same head count assumed (base d_head = d_head /
    # width_mult), derived from the infshape on every read rather than stored in the config
    head_dim = 1024 // 32
    assert target.config.attn_mult is None
    assert math.isclose(target.bert.encoder.layer[0].attention.self.scaling, math.sqrt(head_dim / 4) / head_dim)

    out = target(input_ids=torch.randint(0, 100, (1, 8)), labels=torch.randint(0, 100, (1, 8)))
    assert torch.isfinite(out.loss)


def test_apply_init_weights_really_reinitializes():
    import mutransformers as mt
    model = mt.GPT2LMHeadModel(mt.GPT2Config(n_embd=32, n_head=4, n_layer=1, vocab_size=50))
    before = {n: p.detach().clone() for n, p in model.named_parameters()}
    model.apply(model._init_weights)
    changed = [n for n, p in model.named_parameters() if not torch.equal(before[n], p)]
    random_weights = [n for n, p in before.items() if p.dim() == 2]
    assert sorted(changed) == sorted(random_weights)


def test_manual_base_shapes_survive_save_and_load(tmp_path):
    """Hand-set base shapes are recorded in the config on save and restored on load."""
    import mup
    from transformers import AutoModelForCausalLM

    import mutransformers as mt
    def make(width):
        return mt.GPT2LMHeadModel(mt.GPT2Config(n_embd=width, n_head=4, n_layer=2, vocab_size=50))
    bsh = mup.make_base_shapes(make(32), make(48))
    target = make(128)
    mup.set_base_shapes(target, bsh)
    target.apply(target._init_weights)
    target.save_pretrained(tmp_path)
    loaded = AutoModelForCausalLM.from_pretrained(tmp_path)
    assert loaded.config.mup_base_shapes is not None
    for (name, p), q in zip(target.named_parameters(), loaded.parameters()):
        assert p.infshape == q.infshape, name
        if p.dim() == 2:
            assert q.infshape.width_mult() == 4, name  # 128 / 32
    attn = loaded.transformer.h[0].attn
    assert attn.scaling == target.transformer.h[0].attn.scaling
    x = torch.randint(0, 50, (2, 6))
    assert torch.equal(target.eval()(x).logits, loaded.eval()(x).logits)
