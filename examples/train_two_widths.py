"""Main job until the coordinate check lands: muP GPT-2 at two widths, same LR, same batches.

Trains each width for a few MuAdamW steps on byte-level WikiText-2 and prints the losses. Under
muP the base-width learning rate works at every width, and the wider model is not worse.

    python examples/train_two_widths.py --widths 64 256 --steps 30
"""
import argparse
from pathlib import Path

import torch
from tqdm import tqdm

import mutransformers as mt

DEFAULT_DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "wikitext-2" / "valid.txt"


def byte_batches(path: Path, steps: int, batch: int, seq: int, seed: int = 0):
    if not path.exists():
        raise SystemExit(f"No data at {path}: pass --data PATH to a raw WikiText-2 text file.")
    data = torch.frombuffer(bytearray(path.read_bytes()), dtype=torch.uint8).long()
    generator = torch.Generator().manual_seed(seed)
    starts = torch.randint(0, len(data) - seq, (steps, batch), generator=generator)
    return [torch.stack([data[s:s + seq] for s in row]) for row in starts]


def train(width: int, base_width: int, batches, lr: float) -> list[float]:
    torch.manual_seed(0)
    config = mt.GPT2Config(vocab_size=256, n_positions=128, n_embd=width, n_head=4, n_layer=2,
                           mup_base={"n_embd": base_width}, readout_zero_init=True)
    model = mt.GPT2LMHeadModel(config)
    optimizer = mt.MuAdamW(model.parameters(), lr=lr)
    losses = []
    for x in tqdm(batches, desc=f"width {width}", leave=False):
        loss = model(input_ids=x, labels=x).loss
        loss.backward()
        optimizer.step()
        optimizer.zero_grad()
        losses.append(loss.item())
    return losses


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--widths", type=int, nargs="+", default=[64, 256])
    parser.add_argument("--steps", type=int, default=30)
    parser.add_argument("--lr", type=float, default=1e-2)
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    args = parser.parse_args()
    batches = byte_batches(args.data, args.steps, batch=8, seq=64)
    results = {w: train(w, args.widths[0], batches, args.lr) for w in args.widths}
    print(f"muP GPT-2 (2 layers, base width {args.widths[0]}), MuAdamW lr={args.lr}, byte-level WikiText-2")
    print("step " + "".join(f"{f'width {w}':>12}" for w in args.widths))
    for step in sorted({0, args.steps // 4, args.steps // 2, 3 * args.steps // 4, args.steps - 1}):
        print(f"{step:4d} " + "".join(f"{results[w][step]:12.4f}" for w in args.widths))


if __name__ == "__main__":
    main()
