"""Depth transfer (CompleteP, core/depth.py): config, residual multiplier, init, optimizer, conversion, save/load."""
import math
import warnings

import pytest
import torch
import transformers

import mutransformers as mt
from mutransformers import families
from mutransformers.core.depth import ResidualBranchOutput


VOCAB = 100


def gpt2(depth, base_depth=2, width=128, **fields):
    base = {"n_embd": 64} if base_depth is None else {"n_embd": 64, "n_layer": base_depth}
    return mt.MuGPT2LMHeadModel(mt.MuGPT2Config(n_embd=width, n_layer=depth, n_head=4, vocab_size=VOCAB,
                                                mup_base=base, **fields)).eval()


def llama(depth, base_depth=2, width=128, **fields):
    base = {"hidden_size": 64, "intermediate_size": 128}
    if base_depth is not None:
        base["num_hidden_layers"] = base_depth
    return mt.MuLlamaForCausalLM(mt.MuLlamaConfig(
        hidden_size=width, intermediate_size=2 * width, num_hidden_layers=depth, num_attention_heads=4,
        num_key_value_heads=2, vocab_size=VOCAB, mup_base=base, **fields)).eval()


def t5(depth, base_depth=2, width=128, decoder_depth=None, **fields):
    base = {"d_model": 64, "d_ff": 128, "d_kv": 16}
    if base_depth is not None:
        base["num_layers"] = base_depth
    return mt.MuT5ForConditionalGeneration(mt.MuT5Config(
        d_model=width, d_ff=2 * width, d_kv=width // 4, num_heads=4, num_layers=depth,
        num_decoder_layers=decoder_depth, vocab_size=VOCAB, decoder_start_token_id=0, mup_base=base,
        **fields)).eval()


BUILDERS = {"gpt2": gpt2, "llama": llama, "t5": t5}
BRANCHES_PER_BLOCK = {"gpt2": 2, "llama": 2}


def logits(model, ids):
    kwargs = {"decoder_input_ids": ids} if "T5" in type(model).__name__ else {}
    return model(ids, **kwargs).logits


def branch_outputs(model):
    return {name: m for name, m in model.named_modules() if isinstance(m, ResidualBranchOutput)}


@pytest.mark.parametrize("arch", BUILDERS)
@pytest.mark.parametrize("alpha", [None, 0.5])
def test_every_residual_branch_gets_the_depth_multiplier(arch, alpha):
    model = BUILDERS[arch](8, depth_alpha=alpha)
    expected = 4.0 ** -(1.0 if alpha is None else alpha)
    branches = branch_outputs(model)
    if arch == "t5":  # encoder: attention + FF per block; decoder: + cross-attention
        assert len(branches) == 8 * 2 + 8 * 3
    else:
        assert len(branches) == 8 * BRANCHES_PER_BLOCK[arch]
    assert all(math.isclose(m.branch_multiplier, expected) for m in branches.values())
    # the multiplier acts in the forward: the same weights at multiplier 1 give other logits
    ids = torch.randint(0, VOCAB, (2, 8))
    out = logits(model, ids)
    model.config.mup_base = {k: v for k, v in model.config.mup_base.items() if "layer" not in k}
    model.config.depth_alpha = None
    assert all(m.branch_multiplier == 1.0 for m in branches.values())
    assert not torch.allclose(logits(model, ids), out)


def test_t5_encoder_and_decoder_are_two_stacks():
    model = t5(4, decoder_depth=6)
    encoder = {m.branch_multiplier for n, m in branch_outputs(model).items() if n.startswith("encoder.")}
    decoder = {m.branch_multiplier for n, m in branch_outputs(model).items() if n.startswith("decoder.")}
    assert encoder == {0.5} and len(decoder) == 1 and decoder.pop() == pytest.approx(1 / 3)


@pytest.mark.parametrize("arch", BUILDERS)
def test_base_depth_equal_to_own_depth_changes_nothing(arch):
    torch.manual_seed(0)
    with_depth = BUILDERS[arch](2, base_depth=2)
    torch.manual_seed(0)
    width_only = BUILDERS[arch](2, base_depth=None)
    ids = torch.randint(0, VOCAB, (2, 8))
    assert torch.equal(logits(with_depth, ids), logits(width_only, ids))
    lrs = lambda m: sorted(g["lr"] for g in mt.MuAdamW(m.parameters(), lr=1e-2).param_groups if g["params"])
    assert set(lrs(with_depth)) == set(lrs(width_only))


def test_gpt2_depth_scaled_init_is_evaluated_at_base_depth():
    # upstream: c_proj std 0.02 / sqrt(2 n_layer); here n_layer is the base's, width rule on top
    shallow, deep = gpt2(2, width=256), gpt2(16, width=256)
    expected = 0.02 / math.sqrt(2 * 2) / math.sqrt(256 / 64)
    for model in (shallow, deep):
        stds = [block.attn.c_proj.weight.std().item() for block in model.transformer.h]
        assert all(abs(s / expected - 1) < 0.05 for s in stds), stds
    # without a depth base the 16-layer model keeps upstream's own depth rule
    width_only = gpt2(16, base_depth=None, width=256)
    assert width_only.transformer.h[0].attn.c_proj.weight.std().item() == pytest.approx(
        0.02 / math.sqrt(2 * 16) / 2, rel=0.05)


@pytest.mark.parametrize("alpha", [None, 0.5])
@pytest.mark.parametrize("arch", BUILDERS)
def test_adam_depth_rules(arch, alpha):
    model = BUILDERS[arch](8, depth_alpha=alpha)
    a = 1.0 if alpha is None else alpha
    m_l = 4.0
    optimizer = mt.MuAdamW(model.parameters(), lr=1e-2, eps=1e-8)
    group_of = {id(p): g for g in optimizer.param_groups for p in g["params"]}
    decoder_m_l = 4.0  # T5's decoder follows the encoder (both 8 deep over a base of 2)
    checked = {"hidden": 0, "vector": 0, "outside": 0}
    for name, p in model.named_parameters():
        group, width_mult = group_of[id(p)], p.infshape.width_mult()
        in_block = hasattr(p, "mup_depth")
        if not in_block:
            assert group["lr"] == pytest.approx(1e-2 / (width_mult if p.infshape.ninf() == 2 else 1))
            assert group["eps"] == 1e-8
            checked["outside"] += 1
            continue
        depth = decoder_m_l if name.startswith("decoder.") else m_l
        hidden = p.infshape.ninf() == 2
        assert group["lr"] == pytest.approx(1e-2 * depth ** (a - 1) / (width_mult if hidden else 1)), name
        assert group["eps"] == pytest.approx(1e-8 * depth ** -a / (width_mult if hidden else 1)), name
        checked["hidden" if hidden else "vector"] += 1
    assert all(checked.values()), checked
    # embeddings, final norm and readout keep muP's rules
    assert not hasattr(model.get_input_embeddings().weight, "mup_depth")


def test_parameters_outside_blocks_and_t5_relative_bias_have_no_depth_rule():
    model = t5(4)
    bias = model.encoder.block[0].layer[0].SelfAttention.relative_attention_bias.weight
    assert not hasattr(bias, "mup_depth")
    assert not hasattr(model.encoder.final_layer_norm.weight, "mup_depth")
    assert hasattr(model.encoder.block[0].layer[0].layer_norm.weight, "mup_depth")


@pytest.mark.parametrize("alpha", [None, 0.5])
@pytest.mark.parametrize("arch", BUILDERS)
def test_to_sp_folds_the_multiplier(arch, alpha):
    model = BUILDERS[arch](8, depth_alpha=alpha)
    ids = torch.randint(0, VOCAB, (2, 8))
    sp = mt.to_sp(model).eval()
    assert not branch_outputs(sp)
    torch.testing.assert_close(logits(sp, ids), logits(model, ids), atol=1e-5, rtol=1e-4)


@pytest.mark.parametrize("arch", BUILDERS)
def test_save_load_keeps_depth_transfer(arch, tmp_path):
    model = BUILDERS[arch](6, depth_alpha=0.5)
    ids = torch.randint(0, VOCAB, (2, 8))
    model.save_pretrained(tmp_path)
    auto = transformers.AutoModelForSeq2SeqLM if arch == "t5" else transformers.AutoModelForCausalLM
    loaded = auto.from_pretrained(tmp_path)
    assert type(loaded) is type(model)
    assert loaded.config.depth_alpha == 0.5 and loaded.config.mup_depth_base() == model.config.mup_depth_base()
    assert torch.equal(logits(loaded.eval(), ids), logits(model, ids))
    assert len(branch_outputs(loaded)) == len(branch_outputs(model))
    assert all(hasattr(p, "mup_depth") == hasattr(q, "mup_depth")
               for p, q in zip(model.parameters(), loaded.parameters()))


def test_training_steps_gradient_checkpointing_and_generate():
    model = llama(4).train()
    model.activation_checkpointing_enable()
    optimizer = mt.MuAdamW(model.parameters(), lr=1e-2)
    ids = torch.randint(0, VOCAB, (4, 16))
    losses = []
    for _ in range(5):
        loss = model(ids, labels=ids).loss
        loss.backward()
        optimizer.step()
        optimizer.zero_grad()
        losses.append(loss.item())
    assert losses[-1] < losses[0]
    out = gpt2(4).generate(ids[:1, :4], max_new_tokens=3, do_sample=False, pad_token_id=0)
    assert out.shape == (1, 7)


def test_trainer_optimizer_applies_depth_rules(tmp_path):
    pytest.importorskip("accelerate")
    from transformers import TrainingArguments
    model = gpt2(8)
    args = TrainingArguments(output_dir=str(tmp_path), learning_rate=1e-2, weight_decay=0.1, report_to=[],
                             use_cpu=True)
    from mutransformers.trainer import MuTrainer
    trainer = MuTrainer(model=model, args=args)
    optimizer = trainer.create_optimizer()
    c_proj = model.transformer.h[0].attn.c_proj.weight
    group = next(g for g in optimizer.param_groups if any(p is c_proj for p in g["params"]))
    assert group["eps"] == pytest.approx(args.adam_epsilon / 2 / 4)


def test_refusals():
    with pytest.raises(mt.MuPError, match="post-LN"):
        mt.MuBertConfig(hidden_size=128, num_attention_heads=4, mup_base={"hidden_size": 64, "num_hidden_layers": 2})
    with pytest.raises(mt.MuPError, match="post-LN"):
        mt.MuRobertaConfig(hidden_size=128, num_attention_heads=4, mup_base={"num_hidden_layers": 2})
    with pytest.raises(mt.MuPError, match="without a base depth"):
        mt.MuGPT2Config(n_embd=128, n_head=4, depth_alpha=1.0)
    for bad in (0.25, 1.5, True, "1"):
        with pytest.raises(mt.MuPError, match=r"\[0.5, 1\]"):
            mt.MuGPT2Config(n_embd=128, n_head=4, depth_alpha=bad, mup_base={"n_layer": 2})
    with pytest.warns(UserWarning, match="untested"):
        mt.MuGPT2Config(n_embd=128, n_head=4, depth_alpha=0.75, mup_base={"n_layer": 2})
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        mt.MuGPT2Config(n_embd=128, n_head=4, depth_alpha=0.5, mup_base={"n_layer": 2})
    with pytest.raises(mt.MuPError, match="SGD"):
        mt.MuSGD(gpt2(4).parameters(), lr=1e-2)
    with pytest.raises(mt.MuPError, match="positive integers"):
        mt.MuGPT2Config(n_embd=128, n_head=4, mup_base={"n_layer": 0})


def test_lora_on_a_depth_based_model_is_refused():
    peft = pytest.importorskip("peft")
    model = peft.get_peft_model(gpt2(4), peft.LoraConfig(target_modules=["c_attn"], r=4))
    with pytest.raises(mt.MuPError, match="base depth"):
        mt.attach_infshapes(model)



def test_coordinate_check_across_depth_passes_completep_and_fails_width_only_mup():
    from mutransformers import coord_check as cc
    verdicts = {}
    for variant in ("completep", "mup"):
        rows = cc.run_depth("gpt2", [4, 8, 16], variant, width=64, steps=6, lr=1e-3, progress=False)
        assert {row["depth"] for row in rows} == {4, 8, 16}
        assert not any(row["kind"] in ("attn_out", "mlp") for row in rows)  # scaled by design, left out
        assert {"transformer.h.middle", "transformer.h.last"} <= {row["module"] for row in rows}
        verdicts[variant] = cc.check(rows, axis="depth")
    assert verdicts["completep"].passed, verdicts["completep"].summary()
    assert not verdicts["mup"].passed
    assert max(s["slope"] for s in verdicts["mup"].slopes) > 0.6  # the residual stream grows with depth


@pytest.mark.parametrize("arch", sorted(families.ARCHS))
def test_every_family_builds_completep_or_refuses_it_by_name(arch):
    """Each family with a base depth (width 64 over base 32, depth 4 over base 2): every residual branch
    carries m_L^-1 = 1/2 and to_sp folds it away; post-LN and Gemma refuse the depth base with the reason."""
    spec = families.ARCHS[arch]
    layers = {spec.layers: 4}
    if spec.layers in spec.mu_class.config_class.mup_depth_refused:
        with pytest.raises(mt.MuPError, match=r"depth|post-LN"):
            families.build(arch, 64, "mup", 32, base_depth=2, **layers)
        return
    model = families.build(arch, 64, "mup", 32, base_depth=2, **layers).eval()
    branches = branch_outputs(model)
    blocks = 4 * (2 if spec.seq2seq else 1)
    assert len(branches) >= 2 * blocks and {m.branch_multiplier for m in branches.values()} == {0.5}
    ids = torch.randint(3, families.VOCAB - 1, (2, 8))
    kwargs = {"decoder_input_ids": ids} if spec.seq2seq else {}
    with torch.no_grad():
        assert (mt.to_sp(model).eval()(ids, **kwargs).logits - model(ids, **kwargs).logits).abs().max() < 1e-5
