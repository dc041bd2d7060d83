"""MuAdamW: hidden weights get lr / width_mult, vector-like ones lr; no infshape is a clear error."""
import copy

import pytest
import torch

import mutransformers as mt


def _lr_of(optimizer):
    return {id(p): group["lr"] for group in optimizer.param_groups for p in group["params"]}


@pytest.mark.parametrize("optimizer_class", [mt.MuAdamW, mt.MuAdam])
def test_adam_learning_rates_follow_width_mult(optimizer_class):
    config = mt.GPT2Config(n_embd=128, n_head=4, n_layer=2, vocab_size=50, mup_base={"n_embd": 32})
    model = mt.GPT2LMHeadModel(config)  # width_mult 4
    lr = _lr_of(optimizer_class(model.parameters(), lr=1e-2))
    for name, p in model.named_parameters():
        expected = 1e-2 / 4 if p.infshape.ninf() == 2 else 1e-2
        assert lr[id(p)] == pytest.approx(expected), name
    hidden = model.transformer.h[0].mlp.c_fc.weight
    assert lr[id(hidden)] == pytest.approx(2.5e-3)
    assert lr[id(model.transformer.wte.weight)] == pytest.approx(1e-2)  # embedding and tied readout


def test_param_groups_keep_their_own_settings():
    model = mt.BertModel(mt.BertConfig(hidden_size=64, intermediate_size=64, num_attention_heads=4,
                                       num_hidden_layers=1, vocab_size=50, mup_base={"hidden_size": 32,
                                                                                     "intermediate_size": 32}))
    decay = [p for n, p in model.named_parameters() if p.dim() == 2]
    no_decay = [p for n, p in model.named_parameters() if p.dim() < 2]
    opt = mt.MuAdamW([{"params": decay, "weight_decay": 0.1}, {"params": no_decay, "weight_decay": 0.0}], lr=1e-3)
    hidden_groups = [g for g in opt.param_groups if g["lr"] == pytest.approx(5e-4)]
    assert hidden_groups and all(g["weight_decay"] == pytest.approx(0.2) for g in hidden_groups)  # mup: wd * width_mult


def test_training_step_moves_every_weight():
    model = mt.GPT2LMHeadModel(mt.GPT2Config(n_embd=64, n_head=4, n_layer=1, vocab_size=50, mup_base={"n_embd": 32}))
    opt = mt.MuAdamW(model.parameters(), lr=1e-3)
    before = {n: p.detach().clone() for n, p in model.named_parameters()}
    x = torch.randint(0, 50, (2, 8))
    model(x, labels=x).loss.backward()
    opt.step()
    assert all(not torch.equal(before[n], p) for n, p in model.named_parameters())


def test_parameters_without_infshape_are_refused():
    model = mt.GPT2LMHeadModel(mt.GPT2Config(n_embd=64, n_head=4, n_layer=1, vocab_size=50, mup_base={"n_embd": 32}))
    clone = copy.deepcopy(model)  # torch's Parameter.__deepcopy__ drops infshape
    with pytest.raises(mt.MuPError, match="no `infshape`.*attach_infshapes"):
        mt.MuAdamW(clone.parameters(), lr=1e-3)
    mt.attach_infshapes(clone)
    assert _lr_of(mt.MuAdamW(clone.parameters(), lr=1e-3))[id(clone.transformer.h[0].attn.c_attn.weight)] == 5e-4
    with pytest.raises(mt.MuPError, match="no `infshape`"):
        mt.MuSGD(torch.nn.Linear(3, 3).parameters(), lr=0.1)


def test_named_parameters_and_frozen_parameters():
    model = mt.GPT2LMHeadModel(mt.GPT2Config(n_embd=64, n_head=4, n_layer=1, vocab_size=50, mup_base={"n_embd": 32}))
    by_name = _lr_of(mt.MuAdamW(model.named_parameters(), lr=1e-2))  # as torch's AdamW accepts them
    assert by_name == _lr_of(mt.MuAdamW(model.parameters(), lr=1e-2))
    grouped = mt.MuAdamW([{"params": list(model.named_parameters()), "weight_decay": 0.0}], lr=1e-2)
    assert _lr_of(grouped) == by_name

    model.transformer.wte.weight.requires_grad_(False)  # frozen: never updated, no muP rule needed
    model.extra = torch.nn.Linear(64, 64)  # trainable and without base shapes: refused, by name
    with pytest.raises(mt.MuPError, match=r"2 trainable parameter\(s\) have no `infshape` \(extra.weight, extra.bias"):
        mt.MuAdamW(model.named_parameters(), lr=1e-2)
    model.extra.requires_grad_(False)
    frozen = {id(p) for p in model.parameters() if not p.requires_grad}
    assert not frozen & set(_lr_of(mt.MuAdamW(model.named_parameters(), lr=1e-2)))
    with pytest.raises(mt.MuPError, match="No trainable parameters"):
        mt.MuAdamW([p for p in model.parameters() if not p.requires_grad], lr=1e-2)
