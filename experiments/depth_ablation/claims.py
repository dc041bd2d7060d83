"""What docs/evidence/depth.md says of the ablation of GPT-2's depth (CompleteP, width 128, base depth 2, depths 2
and 8 at 2^-8 and 2^-7, seeds 0 and 1): its table, its numbers and its verdicts."""
import json

ROWS = [  # (label as the page writes it, results file, variant or None)
    ("GPT-2 (the sweeps' model, rerun beside the variants)", "gpt2_code", "baseline"),
    ("GPT-2, untied embeddings (`--set tie_word_embeddings=false`)", "gpt2_untied", None),
    ("GPT-2, position embeddings zeroed and frozen", "gpt2_code", "no_positions"),
    ("GPT-2, `c_proj` without upstream's 1/√(2·L_base) init factor", "gpt2_code", "unscaled_branch_init"),
    ("GPT-2, both of the last two", "gpt2_code", "no_positions+unscaled_branch_init"),
    ("GPT-NeoX run sequentially with full rotary (GPT-2's block: biased LayerNorms, GELU MLP, biases everywhere, "
     "untied; RoPE instead of learned positions, no depth-scaled init)", "gpt_neox_sequential_rope", None),
    ("the same GPT-NeoX without any positions (`partial_rotary_factor` 0)", "gpt_neox_sequential_nope", None),
    ("Llama", "llama", None),
    ("Llama, tied embeddings (`--set tie_word_embeddings=true`)", "llama_tied", None),
]
SETTINGS = {"gpt2_untied": "tie_word_embeddings=false", "llama_tied": "tie_word_embeddings=true", "llama": "",
            "gpt_neox_sequential_rope": '"partial_rotary_factor": 1.0',
            "gpt_neox_sequential_nope": '"partial_rotary_factor": 0.0'}


def _losses(e) -> dict:
    """{(file, variant): {(seed, depth, log2 LR): held-out loss}}."""
    out = {}
    for _, name, variant in ROWS:
        rows = [r for r in e.load(f"{name}.jsonl") if r.get("variant") == variant]
        out[(name, variant)] = {(r["seed"], r["n_layer"], r["log2_lr"]): r["eval_loss"] for r in rows}
    return out


def _at(losses, key, depth, seeds=(0, 1)) -> tuple:
    return tuple(sum(losses[key][(s, depth, lr)] for s in seeds) / len(seeds) for lr in (-8.0, -7.0))


def _gains(losses, key, seeds=(0, 1)) -> bool:
    return all(deep < shallow for shallow, deep in zip(_at(losses, key, 2, seeds), _at(losses, key, 8, seeds)))


def numbers(e) -> dict:
    losses = _losses(e)
    pair = lambda values: " / ".join(f"{v:.3f}" for v in values)  # noqa: E731
    lines = ["| model (CompleteP, width 128) | depth 2: 2^−8 / 2^−7 | depth 8: 2^−8 / 2^−7 | deeper better |",
             "|---|---|---|---|"]
    for label, name, variant in ROWS:
        key = (name, variant)
        lines.append(f"| {label} | {pair(_at(losses, key, 2))} | {pair(_at(losses, key, 8))} | "
                     + ("**yes**" if _gains(losses, key) else "no") + " |")
    return {"runs": str(sum(len(v) for v in losses.values())), "table": "\n".join(lines)}


def verdicts(e) -> dict:
    losses = _losses(e)
    records = [r for path in sorted(e.folder.glob("*.jsonl")) for r in e.load(path.name)]
    deeper = {key for key in losses if _gains(losses, key)}
    summary = json.loads((e.folder / "summary.json").read_text())
    return {
        "every run is CompleteP at width 128, base depth 2, seeds 0-1, the short protocol": all(
            r["param"] == "completep" and r["width"] == 128 and r["base_depth"] == 2 and r["seed"] in (0, 1)
            and r["steps"] == 300 and r["batch_size"] == 16 and r["seq_len"] == 64 for r in records),
        "each configuration's file holds its 8 runs with its setting": all(
            len(e.load(f"{name}.jsonl")) == 8 and all(s in r.get("config_set", "") for r in e.load(f"{name}.jsonl"))
            for name, s in SETTINGS.items()),
        "GPT-2 gains with depth only without both its positions and its depth-scaled init; GPT-NeoX and Llama gain":
            deeper == {("gpt2_code", "no_positions+unscaled_branch_init"), ("gpt_neox_sequential_rope", None),
                       ("gpt_neox_sequential_nope", None), ("llama", None), ("llama_tied", None)},
        "each seed alone gives the same verdicts": all(
            {key for key in losses if _gains(losses, key, (seed,))} == deeper for seed in (0, 1)),
        "the committed summary agrees, on two seeds per row": len(
            [row for row in summary.values() if row["deeper_better"]]) == len(deeper)
            and all(row["seeds"] == 2 for row in summary.values()),
    }
