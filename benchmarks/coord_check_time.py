"""Times the full coordinate check: every architecture, widths 64..1024, muP and SP.

Target (issue 4): under 3 minutes on 2 CPU cores at 4 steps. Also prints how long the muP family
takes relative to the plain transformers (SP) family, measured in the same run.

    python benchmarks/coord_check_time.py [--steps 4] [--threads 2]
"""
import argparse
import time

import torch

from mutransformers import coord_check as cc

TARGET_S = 180


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--steps", type=int, default=4)
    parser.add_argument("--widths", type=int, nargs="+", default=[64, 128, 256, 512, 1024])
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    total = 0.0
    print(f"coordinate check, widths {args.widths}, {args.steps} Adam steps, {args.threads} threads")
    print(f"{'arch':<6} {'muP s':>7} {'SP s':>7} {'muP/SP':>7}  verdict (muP, SP)")
    for arch in cc.ARCHS:
        seconds, verdicts = {}, {}
        for variant in ("mup", "sp"):
            start = time.perf_counter()
            rows = cc.run(arch, args.widths, variant, steps=args.steps, progress=False)
            seconds[variant] = time.perf_counter() - start
            verdicts[variant] = "PASS" if cc.check(rows).passed else "FAIL"
        total += sum(seconds.values())
        print(f"{arch:<6} {seconds['mup']:7.1f} {seconds['sp']:7.1f} {seconds['mup'] / seconds['sp']:7.2f}  "
              f"{verdicts['mup']}, {verdicts['sp']}")
    print(f"total {total:.1f} s (target < {TARGET_S} s: {'met' if total < TARGET_S else 'MISSED'})")


if __name__ == "__main__":
    main()
