"""muP survives the wrappers users train with: torch.compile, DDP and FSDP2 (torchrun, gloo, CPU),
and nn.DataParallel-style replicas (mup issue #59)."""
import json
import socket
import subprocess
import sys
from pathlib import Path

import pytest
import torch

import mutransformers as mt

SCRIPT = Path(__file__).with_name("distributed_train.py")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _train(mode: str, tmp_path) -> dict:
    out = tmp_path / f"{mode}.json"
    if mode == "single":
        command = [sys.executable, str(SCRIPT), mode, str(out)]
    else:
        command = [sys.executable, "-m", "torch.distributed.run", "--nnodes", "1", "--nproc-per-node", "2",
                   "--master-addr", "127.0.0.1", "--master-port", str(_free_port()), str(SCRIPT), mode, str(out)]
    done = subprocess.run(command, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(out.read_text())


@pytest.fixture(scope="module")
def single(tmp_path_factory):
    return _train("single", tmp_path_factory.mktemp("single"))


@pytest.mark.slow
@pytest.mark.parametrize("mode", ["ddp", "fsdp"])
def test_two_processes_reproduce_one(mode, single, tmp_path):
    result = _train(mode, tmp_path)
    assert result["world"] == 2
    assert result["lrs"] == single["lrs"] == [0.005, 0.01]  # hidden weights at lr / width_mult (= 2)
    assert result["losses"] == pytest.approx(single["losses"], abs=1e-5)
    assert result["param_sum"] == pytest.approx(single["param_sum"], abs=1e-3)
    assert single["losses"][-1] < single["losses"][0]


def _tiny_gpt2():
    config = mt.GPT2Config(n_embd=64, n_head=4, n_layer=2, n_positions=16, vocab_size=64, resid_pdrop=0.0,
                           embd_pdrop=0.0, attn_pdrop=0.0, mup_base={"n_embd": 32})
    return mt.GPT2LMHeadModel(config)


def test_fsdp2_parameters_without_infshape_get_a_clear_error(tmp_path, monkeypatch):
    import torch.distributed as dist
    from torch.distributed.fsdp import fully_shard

    monkeypatch.setenv("MASTER_ADDR", "127.0.0.1")
    monkeypatch.setenv("MASTER_PORT", str(_free_port()))
    dist.init_process_group("gloo", rank=0, world_size=1)
    try:
        model = _tiny_gpt2()
        fully_shard(model)
        with pytest.raises(mt.MuPError, match="no `infshape`.*attach_infshapes"):
            mt.MuAdamW(model.parameters(), lr=1e-2)
        ids = torch.randint(0, 64, (2, 16))
        assert torch.isfinite(model(input_ids=ids, labels=ids).loss)  # the readout kept its 1/width_mult
    finally:
        dist.destroy_process_group()


def test_readout_keeps_its_multiplier_when_a_wrapper_swaps_the_weight():
    model = _tiny_gpt2()
    head = model.lm_head
    x = torch.randn(3, 64)
    expected = head(x)
    head.weight = torch.nn.Parameter(head.weight.detach().clone())  # what replicas and FSDP2 do: no infshape
    assert not hasattr(head.weight, "infshape")
    torch.testing.assert_close(head(x), expected)
    assert head.width_mult() == 2.0


@pytest.mark.slow
def test_torch_compile_trains_with_mup_learning_rates():
    torch.manual_seed(0)
    eager = _tiny_gpt2()
    compiled_model = _tiny_gpt2()
    compiled_model.load_state_dict(eager.state_dict())
    compiled = torch.compile(compiled_model)
    optimizers = [mt.MuAdamW(m.parameters(), lr=1e-2) for m in (eager, compiled)]
    # the compiled wrapper hands out the same Parameter objects, infshape included
    assert sorted(g["lr"] for g in optimizers[1].param_groups) == [0.005, 0.01]
    hidden = compiled_model.transformer.h[0].attn.c_attn.weight
    assert any(hidden is p and g["lr"] == 0.005 for g in optimizers[1].param_groups for p in g["params"])
    ids = torch.randint(0, 64, (4, 16), generator=torch.Generator().manual_seed(1))
    for step in range(3):
        losses = []
        for model, optimizer in zip((eager, compiled), optimizers):
            loss = model(input_ids=ids, labels=ids).loss
            loss.backward()
            optimizer.step()
            optimizer.zero_grad()
            losses.append(loss.item())
        assert losses[1] == pytest.approx(losses[0], abs=1e-4), step
    assert losses[0] < 4.1  # it learned (initial loss ~ ln 64 = 4.16)
