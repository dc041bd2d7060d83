"""PEFT's LoRA on a muP model: A and B get muP's rule (A: lr / width_mult, B: lr; LoRA+'s ratio),
frozen weights are left out, fine-tuning trains, merging keeps outputs, bad targets are refused."""
import pytest
import torch
import transformers

import mutransformers as mt
from cases import VOCAB, base_of, gpt2_config, llama_config

peft = pytest.importorskip("peft", reason="LoRA support needs peft (pip install 'mutransformers[peft]')")

MODELS = {
    "gpt2": (mt.MuGPT2LMHeadModel, gpt2_config, ["c_attn", "c_fc", "c_proj"]),
    "llama": (mt.MuLlamaForCausalLM, llama_config, ["q_proj", "v_proj", "up_proj", "down_proj"]),
}


def _lora(arch, width=64, **lora):
    cls, make_config, targets = MODELS[arch]
    model = cls(make_config(width, mup_base=base_of(make_config, 32)))  # width_mult 2
    config = peft.LoraConfig(r=4, lora_alpha=8, target_modules=lora.pop("targets", targets),
                             fan_in_fan_out=arch == "gpt2", **lora)
    return peft.get_peft_model(model, config)


@pytest.mark.parametrize("arch", sorted(MODELS))
def test_lora_gets_mup_learning_rates_trains_and_merges(arch):
    model = _lora(arch)
    mt.attach_infshapes(model)
    optimizer = mt.MuAdamW(model.parameters(), lr=1e-2)
    lr = {id(p): g["lr"] for g in optimizer.param_groups for p in g["params"]}
    names = {n: p for n, p in model.named_parameters()}
    lora_a = [p for n, p in names.items() if "lora_A" in n]
    lora_b = [p for n, p in names.items() if "lora_B" in n]
    assert lora_a and len(lora_a) == len(lora_b)
    assert set(lr) == {id(p) for p in lora_a + lora_b}  # the frozen muP weights are left out
    assert all(lr[id(p)] == pytest.approx(5e-3) for p in lora_a)  # readout-like: lr / width_mult
    assert all(lr[id(p)] == pytest.approx(1e-2) for p in lora_b)  # input-like: lr

    x = torch.randint(3, VOCAB, (4, 12))
    start = model(input_ids=x, labels=x).loss.item()
    for _ in range(10):
        optimizer.zero_grad()
        model(input_ids=x, labels=x).loss.backward()
        optimizer.step()
    model.eval()
    with torch.no_grad():
        trained = model(input_ids=x, labels=x)
        merged = model.merge_and_unload()
        after_merge = merged(input_ids=x)
    assert trained.loss.item() < start - 0.1
    torch.testing.assert_close(after_merge.logits, trained.logits, rtol=1e-4, atol=1e-5)
    assert type(merged) is MODELS[arch][0]


def test_trainer_takes_a_peft_model(tmp_path):
    from mutransformers.trainer import MuTrainer
    model = _lora("llama")
    data = [{"input_ids": torch.randint(3, VOCAB, (8,)), "labels": torch.randint(3, VOCAB, (8,))} for _ in range(8)]
    args = transformers.TrainingArguments(output_dir=str(tmp_path), per_device_train_batch_size=4, max_steps=2,
                                          learning_rate=1e-2, report_to=[], save_strategy="no", use_cpu=True)
    trainer = MuTrainer(model=model, args=args, train_dataset=data)
    trainer.train()
    groups = getattr(trainer.optimizer, "optimizer", trainer.optimizer).param_groups
    a = model.base_model.model.model.layers[0].self_attn.q_proj.lora_A["default"].weight
    assert [g["initial_lr"] for g in groups if any(p is a for p in g["params"])] == [pytest.approx(5e-3)]


def test_adapters_without_a_derived_rule_are_refused():
    model = _lora("llama")
    with pytest.raises(mt.MuPError, match=r"attach_infshapes\(peft_model\)"):
        mt.MuAdamW(model.parameters(), lr=1e-2)  # LoRA weights made after the model: no infshape yet
    mt.attach_infshapes(model)
    with pytest.raises(mt.MuPError, match=r"SGD.*MuAdamW"):
        mt.MuSGD(model.parameters(), lr=1e-2)
    with pytest.raises(mt.MuPError, match=r"LoRA on 'lm_head'.*not width-to-width.*target_modules"):
        mt.attach_infshapes(_lora("llama", targets=["q_proj", "lm_head"]))
    with pytest.raises(mt.MuPError, match=r"LoRA on the embedding"):
        mt.attach_infshapes(_lora("llama", targets=["embed_tokens"]))
