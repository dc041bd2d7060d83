"""Training-step time and memory: each muP model vs the same-size plain transformers (SP) model.

One step = forward + backward + optimizer step + zero_grad (muP: ``MuAdamW``; SP: ``torch.optim.AdamW``).
The two models are timed *interleaved* in one process (muP, SP, SP, muP, ...), so drift in clock
speed or background load hits both alike; we report the median over ``--steps`` steps each.

Memory: on CUDA, the peak allocated during a step (``torch.cuda.max_memory_allocated``). On CPU,
torch keeps no allocator statistics, so we count what training holds at its peak: parameters,
gradients, optimizer state and the tensors autograd saves for backward (each storage once).
That is deterministic, and it is where muP could cost memory (e.g. a rescaled copy of the readout
input saved for backward).

Targets (issue 8): time ratio <= 1.03, memory ratio <= 1.02.

    python benchmarks/step_time.py                      # all architectures, widths 256/512/1024, seq 128/512
    python benchmarks/step_time.py --archs gpt2 --out experiments/step_time/results.md
"""
import argparse
import json
import platform
import statistics
import time
from pathlib import Path

import torch
from tqdm.auto import tqdm

from mutransformers import families
from mutransformers.optim import MuAdamW

TIME_TARGET, MEMORY_TARGET = 1.03, 1.02
POSITIONS_FIELD = {"gpt2": "n_positions", "bert": "max_position_embeddings", "llama": "max_position_embeddings",
                   "roberta": "max_position_embeddings"}


def build(arch, width, variant, seq_len, vocab_size, device):
    overrides = {"vocab_size": vocab_size}
    if arch in POSITIONS_FIELD:  # RoBERTa's positions start after the pad id
        overrides[POSITIONS_FIELD[arch]] = seq_len + (2 if arch == "roberta" else 0)
    model = families.build(arch, width, variant, base_width=64, **overrides).to(device)
    model.train()
    optimizer = (MuAdamW if variant == "mup" else torch.optim.AdamW)(model.parameters(), lr=1e-4)
    return model, optimizer


def make_batch(arch, batch_size, seq_len, vocab_size, device):
    generator = torch.Generator().manual_seed(0)
    ids = torch.randint(4, vocab_size, (batch_size, seq_len), generator=generator)
    labels = ids.clone()
    if families.ARCHS[arch].masked:
        labels[torch.rand(ids.shape, generator=generator) > 0.15] = -100
    return {"input_ids": ids.to(device), "labels": labels.to(device)}


def train_step(model, optimizer, batch):
    model(**batch).loss.backward()
    optimizer.step()
    optimizer.zero_grad(set_to_none=True)


def timed_step(model, optimizer, batch, device) -> float:
    if device.type == "cuda":
        torch.cuda.synchronize()
    start = time.perf_counter()
    train_step(model, optimizer, batch)
    if device.type == "cuda":
        torch.cuda.synchronize()
    return time.perf_counter() - start


def _bytes(tensors) -> int:
    seen = {}
    for t in tensors:
        storage = t.untyped_storage()
        seen[storage.data_ptr()] = storage.nbytes()
    return sum(seen.values())


def peak_memory(model, optimizer, batch, device) -> int:
    """Bytes at the peak of one step (see the module docstring for what CPU counts)."""
    if device.type == "cuda":
        torch.cuda.synchronize()
        torch.cuda.reset_peak_memory_stats(device)
        train_step(model, optimizer, batch)
        torch.cuda.synchronize()
        return torch.cuda.max_memory_allocated(device)
    saved = []

    def pack(tensor):
        saved.append(tensor)
        return tensor

    with torch.autograd.graph.saved_tensors_hooks(pack, lambda tensor: tensor):
        loss = model(**batch).loss
    loss.backward()
    params = list(model.parameters())
    state = [v for s in optimizer.state.values() for v in s.values() if torch.is_tensor(v)]
    total = _bytes(saved + params + [p.grad for p in params if p.grad is not None] + state)
    optimizer.step()
    optimizer.zero_grad(set_to_none=True)
    return total


def measure(arch, width, seq_len, args, device) -> dict:
    torch.manual_seed(0)
    runs = {v: build(arch, width, v, seq_len, args.vocab_size, device) for v in ("mup", "sp")}
    batch = make_batch(arch, max(1, args.tokens // seq_len), seq_len, args.vocab_size, device)
    memory = {v: peak_memory(*runs[v], batch, device) for v in runs}  # also the first (warm-up) step
    times = {v: [] for v in runs}
    for step in range(args.warmup + args.steps):
        order = ("mup", "sp") if step % 2 == 0 else ("sp", "mup")
        for variant in order:
            seconds = timed_step(*runs[variant], batch, device)
            if step >= args.warmup:
                times[variant].append(seconds)
    median = {v: statistics.median(times[v]) for v in runs}
    return {"arch": arch, "width": width, "seq_len": seq_len,
            "mup_ms": 1e3 * median["mup"], "sp_ms": 1e3 * median["sp"], "time_ratio": median["mup"] / median["sp"],
            "mup_mib": memory["mup"] / 2**20, "sp_mib": memory["sp"] / 2**20,
            "memory_ratio": memory["mup"] / memory["sp"]}


def machine(device) -> str:
    if device.type == "cuda":
        return torch.cuda.get_device_name(device)
    return f"{platform.processor() or platform.machine()}, {torch.get_num_threads()} CPU threads"


def markdown(rows, header) -> str:
    lines = [header, "", "| arch | width | seq | muP ms | SP ms | time ratio | muP MiB | SP MiB | memory ratio |",
             "|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for r in rows:
        lines.append(f"| {r['arch']} | {r['width']} | {r['seq_len']} | {r['mup_ms']:.1f} | {r['sp_ms']:.1f} | "
                     f"{r['time_ratio']:.3f} | {r['mup_mib']:.1f} | {r['sp_mib']:.1f} | {r['memory_ratio']:.3f} |")
    worst_time = max(r["time_ratio"] for r in rows)
    worst_memory = max(r["memory_ratio"] for r in rows)
    geomean = statistics.geometric_mean(r["time_ratio"] for r in rows)
    lines += ["", f"Largest time ratio {worst_time:.3f} (target <= {TIME_TARGET}: "
                  f"{'met' if worst_time <= TIME_TARGET else 'MISSED'}); largest memory ratio {worst_memory:.3f} "
                  f"(target <= {MEMORY_TARGET}: {'met' if worst_memory <= MEMORY_TARGET else 'MISSED'}). "
                  f"Geometric mean of the time ratios {geomean:.3f}."]
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--archs", nargs="+", default=list(families.ARCHS))
    parser.add_argument("--widths", type=int, nargs="+", default=[256, 512, 1024])
    parser.add_argument("--seq-lens", type=int, nargs="+", default=[128, 512])
    parser.add_argument("--tokens", type=int, default=512, help="tokens per batch (batch size = tokens // seq len)")
    parser.add_argument("--vocab-size", type=int, default=2048)
    parser.add_argument("--steps", type=int, default=15, help="timed steps per model (median reported)")
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--threads", type=int, default=None, help="CPU threads (default: torch's)")
    parser.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    parser.add_argument("--out", help="write the table (markdown) here, and the rows next to it as .json")
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    device = torch.device(args.device)
    grid = [(a, w, s) for a in args.archs for w in args.widths for s in args.seq_lens]
    rows = []
    for arch, width, seq_len in tqdm(grid, desc="step time"):
        rows.append(measure(arch, width, seq_len, args, device))
        tqdm.write(f"{arch:8s} width {width:5d} seq {seq_len:4d}: time x{rows[-1]['time_ratio']:.3f}, "
                   f"memory x{rows[-1]['memory_ratio']:.3f}")
    header = (f"Training step, muP vs plain transformers, on {machine(device)} (torch {torch.__version__}); "
              f"2 layers, {args.tokens} tokens per batch, vocab {args.vocab_size}, median of {args.steps} interleaved "
              f"steps.")
    table = markdown(rows, header)
    print(table)
    if args.out:
        Path(args.out).write_text(table + "\n")
        Path(args.out).with_suffix(".json").write_text(json.dumps(rows, indent=1))


if __name__ == "__main__":
    main()
