"""A few muP training steps, on one process or under torchrun (DDP or FSDP2), for test_distributed.py.

    python tests/distributed_train.py single OUT.json
    torchrun --nproc-per-node 2 tests/distributed_train.py ddp OUT.json    # or fsdp

Every process builds the same model (same seed) and the batch is split across ranks, so DDP and
FSDP2 must reproduce the single-process losses. Rank 0 writes the per-step losses and the final
parameter sum to OUT.json.
"""
import json
import os
import sys

import torch
import torch.distributed as dist

import mutransformers as mt

STEPS, BATCH, SEQ, VOCAB = 3, 4, 16, 64


def build():
    torch.manual_seed(0)
    config = mt.GPT2Config(n_embd=64, n_head=4, n_layer=2, n_positions=SEQ, vocab_size=VOCAB, resid_pdrop=0.0,
                           embd_pdrop=0.0, attn_pdrop=0.0, mup_base={"n_embd": 32})
    return mt.GPT2LMHeadModel(config)


def batches():
    generator = torch.Generator().manual_seed(1)
    return [torch.randint(0, VOCAB, (BATCH, SEQ), generator=generator) for _ in range(STEPS)]


def main(mode: str, out: str):
    rank, world = 0, 1
    if mode != "single":
        dist.init_process_group("gloo")
        rank, world = dist.get_rank(), dist.get_world_size()
    model = build()
    if mode == "ddp":
        model = torch.nn.parallel.DistributedDataParallel(model)
    elif mode == "fsdp":
        from torch.distributed.fsdp import fully_shard
        for block in model.transformer.h:
            fully_shard(block)
        fully_shard(model)
        mt.attach_infshapes(model)  # fully_shard replaced the parameters (DTensors): give them infshape back
    optimizer = mt.MuAdamW(model.parameters(), lr=1e-2)
    losses = []
    for ids in batches():
        shard = ids.chunk(world)[rank]
        loss = model(input_ids=shard, labels=shard).loss
        loss.backward()
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)
        loss = loss.detach()
        if world > 1:
            dist.all_reduce(loss)
            loss /= world
        losses.append(loss.item())
    total = sum(p.full_tensor().sum() if hasattr(p, "full_tensor") else p.sum() for p in model.parameters()).item()
    lrs = sorted({group["lr"] for group in optimizer.param_groups})
    if rank == 0:
        with open(out, "w") as f:
            json.dump({"losses": losses, "param_sum": total, "lrs": lrs, "world": world}, f)
    if world > 1:
        dist.barrier()  # no rank tears gloo down while another still has a collective in flight
        dist.destroy_process_group()


if __name__ == "__main__":
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    main(sys.argv[1], sys.argv[2])
    # On a loaded machine a gloo thread sometimes aborts the process during interpreter teardown, after
    # destroy_process_group has returned ("terminate called without an active exception": 5 of 40 runs beside
    # two busy loops). The results are written by then; leave without torch's teardown.
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)
