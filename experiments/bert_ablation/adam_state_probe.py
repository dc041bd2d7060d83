"""Is Adam's epsilon large against a wide muP model's gradients? (issue 13, BERT's readout drift)

Under muP the gradients of a wide model shrink with width (a vector-like parameter's like 1/width_mult, a query's
faster), while MuAdamW keeps one epsilon (1e-8). Where sqrt(v) nears epsilon, Adam's update shrinks, and a larger
``output_mult`` (which scales every gradient below the readout) would look better as the model widens. This trains
one run per width with the LR experiment's settings (optimizer_ablation.protocol, steps from --steps) and reads the optimizer's second moments at the end: per parameter, the
median of sqrt(v / (1 - beta2^t)) and the fraction of entries below 10 x epsilon, over the entries that received
a gradient.

    python experiments/bert_ablation/adam_state_probe.py --data ../shared/data/wikitext-2 --widths 64 512 --steps 100 \
        --out experiments/bert_ablation/adam_state.json
"""
import argparse
import json
import sys
from pathlib import Path

import torch
from tqdm import tqdm

from mutransformers.sweep.train import RunConfig, train_run
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # experiments/: the shared ablation machinery
from ablation import protocol  # noqa: E402 (experiments/ is put on sys.path above)

SOFTMAX_INVARIANT = ("key.bias", "k_proj.bias")


def second_moments(model, optimizer) -> dict:
    """{parameter name: (median sqrt(v_hat), fraction of entries with sqrt(v_hat) < 10 eps, eps)}."""
    names = {id(p): name for name, p in model.named_parameters()}
    out = {}
    for group in optimizer.param_groups:
        for p in group["params"]:
            state = optimizer.state.get(p)
            if not state:
                continue
            steps = float(state["step"])
            rms = (state["exp_avg_sq"] / (1 - group["betas"][1] ** steps)).sqrt()
            rms = rms[rms > 0]  # entries never given a gradient (unused positions, unseen tokens) take no step
            if rms.numel() == 0:
                continue
            out[names[id(p)]] = {"median_sqrt_v": rms.median().item(),
                                 "fraction_below_10_eps": (rms < 10 * group["eps"]).float().mean().item(),
                                 "eps": group["eps"]}
    return out


def probe(arch: str, width: int, steps: int, log2_lr: float, seed: int, data) -> dict:
    held = {}

    def keep(model, optimizer):
        held.update(model=model, optimizer=optimizer)
    run = RunConfig(arch=arch, param="mup", width=width, log2_lr=log2_lr, seed=seed, base_width=64,
                    **{**protocol(arch), "steps": steps})
    record = train_run(run, data, edit_optimizer=keep)
    params = second_moments(held["model"], held["optimizer"])
    # a key's bias adds one constant to every logit of a query, which softmax ignores: its gradient is rounding noise
    judged = [name for name in params if not name.endswith(SOFTMAX_INVARIANT)]
    smallest = min(judged, key=lambda name: params[name]["median_sqrt_v"] / params[name]["eps"])
    return {"width": width, "eval_loss": record["eval_loss"], "parameters": params, "smallest": smallest,
            "smallest_median_over_eps": params[smallest]["median_sqrt_v"] / params[smallest]["eps"],
            "largest_fraction_below_10_eps": max(params[name]["fraction_below_10_eps"] for name in judged)}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--arch", default="bert")
    parser.add_argument("--data", required=True)
    parser.add_argument("--widths", type=int, nargs="+", default=[64, 512])
    parser.add_argument("--steps", type=int, default=100)
    parser.add_argument("--log2-lr", type=float, default=-9)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, default=Path("adam_state.json"))
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    results = [probe(args.arch, width, args.steps, args.log2_lr, args.seed, args.data)
               for width in tqdm(args.widths, desc="widths")]
    args.out.write_text(json.dumps({"arch": args.arch, "steps": args.steps, "log2_lr": args.log2_lr,
                                    "seed": args.seed, "protocol": {k: v for k, v in protocol(args.arch).items() if k != "steps"},
                                    "widths": results}, indent=1))
    for r in results:
        print(f"width {r['width']}: smallest median sqrt(v) {r['smallest_median_over_eps']:.0f} x eps "
              f"({r['smallest']}); at most {r['largest_fraction_below_10_eps']:.4f} of any parameter below 10 eps")


if __name__ == "__main__":
    main()
