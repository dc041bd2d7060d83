"""Loading from files and memory, refusing SP checkpoints, HF Trainer, generate()."""
import pytest
import torch
import transformers
from safetensors.torch import save_file

import mutransformers as mt
from mutransformers.trainer import MuTrainer, mup_adamw


def gpt2(width=64, **kw):
    return mt.GPT2LMHeadModel(mt.GPT2Config(n_embd=width, n_head=4, n_layer=2, vocab_size=64, n_positions=32,
                                            mup_base={"n_embd": 32}, bos_token_id=1, eos_token_id=2,
                                            pad_token_id=0, **kw))


@pytest.mark.parametrize("suffix", [".safetensors", ".pt"])
def test_from_a_single_state_dict_file(tmp_path, suffix):
    model = gpt2().eval()
    path = tmp_path / f"weights{suffix}"
    state = {k: v.contiguous() for k, v in model.state_dict().items() if k != "lm_head.weight"}
    save_file(state, str(path)) if suffix == ".safetensors" else torch.save(state, path)
    model.config.to_json_file(str(tmp_path / "config.json"))
    loaded = mt.GPT2LMHeadModel.from_pretrained(path, config=str(tmp_path / "config.json")).eval()
    x = torch.randint(0, 64, (2, 8))
    assert torch.equal(model(x).logits, loaded(x).logits)
    assert loaded.lm_head.weight is loaded.transformer.wte.weight
    with pytest.raises(mt.MuPError, match="pass config="):
        mt.GPT2LMHeadModel.from_pretrained(path)


def test_from_a_state_dict_file_with_a_preset_name(tmp_path):
    config = mt.AutoConfig.from_pretrained("mubert-mini", num_hidden_layers=1, vocab_size=100)
    model = mt.BertForMaskedLM(config)
    path = tmp_path / "w.pt"
    torch.save(model.state_dict(), path)
    with pytest.raises(mt.MuPError, match="does not fit"):
        mt.BertForMaskedLM.from_pretrained(path, config="mubert-mini")  # 4 layers, vocab 30522
    full = mt.BertForMaskedLM(mt.AutoConfig.from_pretrained("mubert-mini"))
    torch.save(full.state_dict(), path)
    loaded = mt.BertForMaskedLM.from_pretrained(path, config="mubert-mini")
    assert torch.equal(loaded.bert.encoder.layer[3].output.dense.weight, full.bert.encoder.layer[3].output.dense.weight)


def test_from_an_in_memory_state_dict_and_json_with_overrides(tmp_path):
    model = gpt2()
    model.config.to_json_file(str(tmp_path / "c.json"))
    config = mt.GPT2Config.from_json_file(str(tmp_path / "c.json"))
    assert config.mup_base == {"n_embd": 32}
    deeper = mt.GPT2Config.from_json_file(str(tmp_path / "c.json"), n_layer=4, output_mult=2.0)
    assert (deeper.n_layer, deeper.output_mult, deeper.n_embd) == (4, 2.0, 64)
    with pytest.raises(mt.MuPError, match="output_mult=-1"):
        mt.GPT2Config.from_json_file(str(tmp_path / "c.json"), output_mult=-1)
    loaded = mt.GPT2LMHeadModel.from_pretrained(None, config=config, state_dict=model.state_dict())
    assert all(torch.equal(a, b) for a, b in zip(model.state_dict().values(), loaded.state_dict().values()))
    assert loaded.transformer.h[0].attn.c_attn.weight.infshape.width_mult() == 2


def test_standard_parametrization_checkpoint_is_refused_with_the_converter(tmp_path):
    sp = transformers.GPT2LMHeadModel(transformers.GPT2Config(n_embd=32, n_head=4, n_layer=1, vocab_size=50))
    sp.save_pretrained(tmp_path)
    with pytest.raises(mt.MuPError, match=r"standard-parametrization 'gpt2' checkpoint.*mutransformers.from_sp"):
        mt.GPT2LMHeadModel.from_pretrained(tmp_path)
    converted = mt.from_sp(transformers.GPT2LMHeadModel.from_pretrained(tmp_path))
    assert type(converted) is mt.MuGPT2LMHeadModel


@pytest.mark.parametrize("policy, hidden_wd", [("coupled", 0.2), ("independent", 0.1)])
def test_trainer_keeps_mup_learning_rates(tmp_path, policy, hidden_wd):
    model = gpt2(width=64)  # width_mult 2
    data = [{"input_ids": torch.randint(3, 64, (8,)), "labels": torch.randint(3, 64, (8,))} for _ in range(12)]
    args = transformers.TrainingArguments(output_dir=str(tmp_path), per_device_train_batch_size=4, max_steps=3,
                                          learning_rate=1e-2, weight_decay=0.1, warmup_steps=1, report_to=[],
                                          save_strategy="no", use_cpu=True, logging_steps=1)
    trainer = MuTrainer(model=model, args=args, train_dataset=data, weight_decay_policy=policy)
    before = model.transformer.h[0].mlp.c_fc.weight.detach().clone()
    trainer.train()
    groups = trainer.optimizer.param_groups
    hidden = [g for g in groups if any(p is model.transformer.h[0].mlp.c_fc.weight for p in g["params"])][0]
    vector = [g for g in groups if any(p is model.transformer.wte.weight for p in g["params"])][0]
    assert hidden["initial_lr"] == pytest.approx(5e-3) and vector["initial_lr"] == pytest.approx(1e-2)
    assert hidden["lr"] / hidden["initial_lr"] == pytest.approx(vector["lr"] / vector["initial_lr"])
    assert hidden["weight_decay"] == pytest.approx(hidden_wd)
    assert not torch.equal(before, model.transformer.h[0].mlp.c_fc.weight)


def test_bad_weight_decay_policy():
    with pytest.raises(mt.MuPError, match="weight-decay policy"):
        mup_adamw(gpt2(), lr=1e-3, policy="scaled")


def test_generate_for_causal_and_seq2seq():
    model = gpt2().eval()
    out = model.generate(torch.tensor([[1, 5, 6]]), max_new_tokens=4, do_sample=False)
    assert out.shape == (1, 7)
    t5 = mt.T5ForConditionalGeneration(mt.T5Config(d_model=64, d_ff=128, d_kv=16, num_heads=4, num_layers=1,
                                                   vocab_size=50, decoder_start_token_id=0,
                                                   mup_base={"d_model": 32, "d_ff": 64, "d_kv": 8})).eval()
    out = t5.generate(torch.tensor([[5, 6, 7, 1]]), max_new_tokens=3, do_sample=False)
    assert out.shape[1] <= 4 and out[0, 0] == 0


def _trainer_args(tmp_path, **kw):
    return transformers.TrainingArguments(output_dir=str(tmp_path), per_device_train_batch_size=4, max_steps=2,
                                          learning_rate=1e-2, report_to=[], save_strategy="no", use_cpu=True, **kw)


def _data():
    return [{"input_ids": torch.randint(3, 64, (8,)), "labels": torch.randint(3, 64, (8,))} for _ in range(8)]


def test_trainer_optim_sgd_is_mup_sgd_and_other_optimizers_are_refused(tmp_path):
    import warnings
    model = gpt2(width=64)  # width_mult 2
    trainer = MuTrainer(model=model, args=_trainer_args(tmp_path, optim="sgd", optim_args="momentum=0.9"),
                        train_dataset=_data())
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a muP optimizer: no "not muP" warning
        trainer.train()
    optimizer = getattr(trainer.optimizer, "optimizer", trainer.optimizer)  # accelerate wraps it
    assert type(optimizer).__name__ == "SGD" and all(g["momentum"] == 0.9 for g in optimizer.param_groups)
    hidden = model.transformer.h[0].mlp.c_fc.weight
    vector = model.transformer.h[0].ln_1.weight
    lr = {id(p): g["initial_lr"] for g in optimizer.param_groups for p in g["params"]}
    assert lr[id(hidden)] == pytest.approx(1e-2) and lr[id(vector)] == pytest.approx(2e-2)  # mup's SGD rule
    for optim in ("adafactor", "lion_32bit", "rmsprop"):
        with pytest.raises(mt.MuPError, match=rf"optim='{optim}'.*no muP counterpart.*adamw_torch"):
            MuTrainer(model=model, args=_trainer_args(tmp_path, optim=optim), train_dataset=_data()).create_optimizer()


def test_a_plain_optimizer_on_a_mup_model_warns_at_its_first_step(tmp_path):
    model = gpt2(width=64)
    x = torch.randint(3, 64, (2, 8))
    plain = torch.optim.AdamW(model.parameters(), lr=1e-3)
    model(x, labels=x).loss.backward()
    with pytest.warns(UserWarning, match=r"AdamW trains a muP model's hidden weights \(width_mult 2\).*MuTrainer"):
        plain.step()
    trainer = transformers.Trainer(model=gpt2(width=64), args=_trainer_args(tmp_path), train_dataset=_data())
    with pytest.warns(UserWarning, match=r"not muP.*instead of transformers.Trainer"):
        trainer.train()
