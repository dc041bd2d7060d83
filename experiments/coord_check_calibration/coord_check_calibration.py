"""Measures what the coordinate check's bounds are calibrated on: every architecture x variant.

Per (arch, variant): the largest log-log slope of an activation's size (v1, bound MAX_SLOPE) and the
range of slopes of its change from initialization from step 1 on (v2, bound +-MAX_CHANGE_SLOPE; the
attention logits' change, judged on the growing side only, is listed apart), with the kind of
activation at each extreme, and the verdict. Every variant is averaged over the architecture's
``check_seeds`` (2; OLMo-2 4, BART 8), as ``coord_check.run`` does by default.

With ``--depth``: the same across depth (GPT-2, Llama, T5 at width 128, depths 4-32, Adam lr 1e-3, 2 seeds)
for muP without a base depth, CompleteP and Depth-muP (``coord_check/depth.py``).

    python experiments/coord_check_calibration/coord_check_calibration.py [--out experiments/coord_check_calibration/results.json]
    python experiments/coord_check_calibration/coord_check_calibration.py --depth [--out experiments/coord_check_calibration/depth.json]
"""
import argparse
import json
import time

import torch
from tqdm.auto import tqdm

from mutransformers import coord_check as cc
from mutransformers.coord_check.verdict import CHANGE_GROWTH_ONLY_KINDS

WIDTHS = [64, 128, 256, 512]
VARIANTS = ["mup", "sp", "mup_attn_sqrt_d", "mup_linear_readout", "global_lr"]


def _extreme(slopes, pick):
    if not slopes:
        return None
    top = pick(slopes, key=lambda s: s["slope"])
    return {"slope": round(top["slope"], 3), "kind": top["kind"], "module": top["module"], "step": top["step"]}


DEPTHS, DEPTH_WIDTH, DEPTH_ARCHS = [4, 8, 16, 32], 128, ["gpt2", "llama", "t5"]
DEPTH_VARIANTS = ["mup", "completep", "depth_mup"]


def measure(arch: str, variant: str, steps: int, lr: float, depth: bool = False) -> dict:
    if depth:
        rows = cc.run_depth(arch, DEPTHS, variant, width=DEPTH_WIDTH, steps=steps, lr=lr, seeds=2, progress=False)
    else:
        rows = cc.run(arch, WIDTHS, variant, steps=steps, lr=lr, progress=False)  # the arch's check_seeds
    result = cc.check(rows, axis="depth" if depth else "width")
    judged = [s for s in result.change_slopes if s["kind"] not in CHANGE_GROWTH_ONLY_KINDS]
    logits = [s for s in result.change_slopes if s["kind"] in CHANGE_GROWTH_ONLY_KINDS]
    return {"passed": result.passed, "size_max": _extreme(result.slopes, max),
            "change_min": _extreme(judged, min), "change_max": _extreme(judged, max),
            "attn_logits_change_min": _extreme(logits, min), "attn_logits_change_max": _extreme(logits, max),
            "fails_on": [name for name, failed in (("size", result.worst), ("change", result.change_worst)) if failed]}


ARCH_NAMES = {"gpt2": "GPT-2", "bert": "BERT", "roberta": "RoBERTa", "t5": "T5", "llama": "Llama", "mistral": "Mistral",
              "qwen2": "Qwen2", "qwen3": "Qwen3", "olmo2": "OLMo-2", "phi3": "Phi-3", "gpt_neox": "GPT-NeoX",
              "gemma3": "Gemma 3", "bart": "BART", "modernbert": "ModernBERT"}
VARIANT_NAMES = {"mup": "muP", "sp": "SP (transformers model, plain Adam)",
                 "mup_attn_sqrt_d": "muP, 1/sqrt(d) attention (`mup_attn_sqrt_d`)",
                 "mup_linear_readout": "muP, `nn.Linear` readout (`mup_linear_readout`)",
                 "global_lr": "muP model, one Adam LR x base/width (`global_lr`)"}


DEPTH_VARIANT_NAMES = {"mup": "muP, no base depth (`mup`)", "completep": "CompleteP, alpha = 1 (`completep`)",
                       "depth_mup": "Depth-muP, alpha = 0.5 (`depth_mup`)"}


def markdown(record: dict) -> str:
    """The README's table: per variant and architecture, the largest size slope, the range of change
    slopes (attention logits in brackets) and the verdict."""
    archs = [a for a in ARCH_NAMES if a in record["table"]]
    lines = ["| variant | " + " | ".join(ARCH_NAMES[a] for a in archs) + " |", "|---" * (len(archs) + 1) + "|"]
    names = DEPTH_VARIANT_NAMES if record.get("axis") == "depth" else VARIANT_NAMES
    for variant, name in names.items():
        cells = []
        for arch in archs:
            m = record["table"][arch][variant]
            cells.append(f"{m['size_max']['slope']:+.2f} / {m['change_min']['slope']:+.2f}…{m['change_max']['slope']:+.2f} "
                         f"({m['attn_logits_change_min']['slope']:+.2f}…{m['attn_logits_change_max']['slope']:+.2f}) "
                         + ("PASS" if m["passed"] else "FAIL: " + ", ".join(m["fails_on"])))
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--steps", type=int, default=8)
    parser.add_argument("--lr", type=float, help="default 1e-2; with --depth 1e-3")
    parser.add_argument("--depth", action="store_true", help="across depth (CompleteP) instead of width")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--archs", nargs="+", help="measure only these and merge them into --out (default: all, anew)")
    parser.add_argument("--out", help="default experiments/coord_check_calibration/results.json (--depth: experiments/coord_check_calibration/depth.json)")
    args = parser.parse_args()
    lr = args.lr or (1e-3 if args.depth else 1e-2)
    out = args.out or ("experiments/coord_check_calibration/depth.json" if args.depth else "experiments/coord_check_calibration/results.json")
    torch.set_num_threads(args.threads)
    start = time.perf_counter()
    table = {}
    archs, variants = (DEPTH_ARCHS, DEPTH_VARIANTS) if args.depth else (sorted(cc.ARCHS), VARIANTS)
    earlier_seconds = 0.0
    if args.archs:  # re-measure these, keep the file's other architectures (the time adds up)
        earlier = json.loads(open(out).read())
        table, earlier_seconds, archs = earlier["table"], earlier["seconds"], args.archs
    for arch in tqdm(archs, desc="architectures"):
        table[arch] = {variant: measure(arch, variant, args.steps, lr, args.depth) for variant in variants}
    sizes = {"axis": "depth", "depths": DEPTHS, "width": DEPTH_WIDTH} if args.depth else {"widths": WIDTHS}
    table = dict(sorted(table.items()))
    record = {**sizes, "steps": args.steps, "optimizer": "adam", "lr": lr,
              "max_slope": cc.MAX_SLOPE, "max_change_slope": cc.MAX_CHANGE_SLOPE,
              "seconds": round(earlier_seconds + time.perf_counter() - start, 1), "table": table}
    with open(out, "w") as f:
        json.dump(record, f, indent=1)
    print(f"{'arch':<8} {'variant':<19} {'size max':>9} {'change min':>11} {'change max':>11} {'attn-logit chg':>15}  verdict")
    for arch, by_variant in table.items():
        for variant, m in by_variant.items():
            lo, hi = m["attn_logits_change_min"], m["attn_logits_change_max"]
            print(f"{arch:<8} {variant:<19} {m['size_max']['slope']:+9.2f} {m['change_min']['slope']:+11.2f} "
                  f"{m['change_max']['slope']:+11.2f} {lo['slope']:+7.2f}..{hi['slope']:+.2f}  "
                  f"{'PASS' if m['passed'] else 'FAIL (' + ', '.join(m['fails_on']) + ')'}")
    print(f"wrote {out} in {record['seconds']} s; the README's table:\n")
    print(markdown(record))


if __name__ == "__main__":
    main()
