"""What base shapes cost at scale: building a GPT-2 XL-sized muP model (1.5B parameters) vs the
plain transformers model.

Each build runs in a fresh process (so peak RSS is that build's alone and no probe cache is warm),
alternating plain and muP, ``--repeats`` times each. Reported: median build time (construction +
init), the muP extra, the time of the base-shape work itself (meta-device probes + infshape on every
parameter, measured inside the muP build), and peak RSS.

Targets (issue 8): extra time < 2 s, peak RSS <= 1.05x the plain model's.

    python benchmarks/base_shapes.py [--repeats 2] [--out experiments/base_shapes/results.json]
"""
import argparse
import json
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

TIME_TARGET_S, RSS_TARGET = 2.0, 1.05
XL = dict(vocab_size=50257, n_positions=1024, n_embd=1600, n_layer=48, n_head=25)
BASE = {"n_embd": 256, "n_head": 4}  # a base of d_head 64, as in GPT-2 itself


def child(kind: str) -> dict:
    import torch
    import transformers

    import mutransformers as mt
    from mutransformers.core import shapes

    torch.set_num_threads(1)
    shape_seconds = 0.0
    if kind == "mup":  # time the base-shape work where the model does it
        infshapes_of = shapes.infshapes_of

        def timed(*args, **kwargs):
            nonlocal shape_seconds
            start = time.perf_counter()
            try:
                return infshapes_of(*args, **kwargs)
            finally:
                shape_seconds += time.perf_counter() - start

        shapes.infshapes_of = timed
    start = time.perf_counter()
    if kind == "mup":
        model = mt.GPT2LMHeadModel(mt.GPT2Config(**XL, mup_base=BASE))
    else:
        model = transformers.GPT2LMHeadModel(transformers.GPT2Config(**XL))
    build = time.perf_counter() - start
    params = sum(p.numel() for p in model.parameters())
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # Linux: KiB
    return {"kind": kind, "build_s": build, "base_shapes_s": shape_seconds, "peak_rss_mib": peak_kib / 1024,
            "params": params}


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--out", help="write the measurements (JSON) here")
    parser.add_argument("--child", choices=["plain", "mup"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.child)))
        return
    from tqdm.auto import tqdm

    runs = []
    for kind in tqdm([k for _ in range(args.repeats) for k in ("plain", "mup")], desc="builds"):
        done = subprocess.run([sys.executable, __file__, "--child", kind], capture_output=True, text=True, check=True)
        runs.append(json.loads(done.stdout.strip().splitlines()[-1]))
    median = {k: {m: statistics.median(r[m] for r in runs if r["kind"] == k)
                  for m in ("build_s", "base_shapes_s", "peak_rss_mib")} for k in ("plain", "mup")}
    extra = median["mup"]["build_s"] - median["plain"]["build_s"]
    rss_ratio = median["mup"]["peak_rss_mib"] / median["plain"]["peak_rss_mib"]
    params = runs[0]["params"]
    print(f"GPT-2 XL config ({params / 1e9:.2f}B parameters), base {BASE}, median of {args.repeats} builds each")
    print(f"build: plain {median['plain']['build_s']:.1f} s, muP {median['mup']['build_s']:.1f} s; "
          f"extra {extra:+.2f} s (target < {TIME_TARGET_S} s: {'met' if extra < TIME_TARGET_S else 'MISSED'}); "
          f"base-shape work inside the muP build {median['mup']['base_shapes_s']:.2f} s")
    print(f"peak RSS: plain {median['plain']['peak_rss_mib']:.0f} MiB, muP {median['mup']['peak_rss_mib']:.0f} MiB; "
          f"ratio {rss_ratio:.3f} (target <= {RSS_TARGET}: {'met' if rss_ratio <= RSS_TARGET else 'MISSED'})")
    if args.out:
        Path(args.out).write_text(json.dumps({"runs": runs, "median": median, "extra_s": extra,
                                              "rss_ratio": rss_ratio}, indent=1))


if __name__ == "__main__":
    main()
