"""What docs/evidence/lr-gpt2.md says of the partial width-2048 GPU runs (GPT-2; Llama's in ../lr_transfer_llama_gpu):
numbers and verdicts. Partial: 49 of the 384 runs the command describes."""


def _runs(records, param, width):
    return [r for r in records if (r["param"], r["width"]) == (param, width)]


def _optimum(records, param, seed):
    runs = [r for r in _runs(records, param, 2048) if r["seed"] == seed]
    return min(runs, key=lambda r: r["eval_loss"])["log2_lr"]


def _mean(records, param, width, lr):
    losses = [r["eval_loss"] for r in _runs(records, param, width) if r["log2_lr"] == lr]
    return sum(losses) / len(losses)


def numbers(e) -> dict:
    llama = e.load("../lr_transfer_llama_gpu/results.jsonl")
    sp_2048 = _runs(e.records, "sp", 2048)
    return {
        "runs": str(len(e.records) + len(llama)),
        "mup_2048": " / ".join(f"{_mean(e.records, 'mup', 2048, lr):.3f}" for lr in (-8.0, -7.0, -6.0)),
        "sp_2048_at_-12": f"{_mean(e.records, 'sp', 2048, -12.0):.3f}",
        "sp_2048_runs": str(len(sp_2048)),
        "llama_2048": f"{_mean(llama, 'mup', 2048, -7.0):.3f}",
        "llama_runs": str(len(llama)),
    }


def verdicts(e) -> dict:
    llama = e.load("../lr_transfer_llama_gpu/results.jsonl")
    return {
        "partial: 35 GPT-2 and 14 Llama runs": (len(e.records), len(llama)) == (35, 14),
        "at width 2048 muP's optimum is 2^-7 for both seeds, on GPT-2 and Llama":
            all([_optimum(records, "mup", seed) for seed in (0, 1)] == [-7.0, -7.0] for records in (e.records, llama)),
        "GPT-2 SP's lowest loss at width 2048 sits at the grid's smallest LR, 2^-12":
            [_optimum(e.records, "sp", seed) for seed in (0, 1)] == [-12.0, -12.0],
    }
