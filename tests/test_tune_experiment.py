"""The committed end-to-end μTransfer experiment (experiments/tune_transfer) against the README's claims."""
import json
import statistics
from pathlib import Path

import pytest

from mutransformers.sweep import load

from cases import documentation

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "experiments" / "tune_transfer"


def test_transferred_run_is_within_002_of_the_direct_sweep_and_sp_lands_worse():
    summary = json.loads((DOCS / "tune_transfer.json").read_text())
    hparams = json.loads((DOCS / "tuned" / "hparams.json").read_text())
    trials = load(DOCS / "tuned" / "trials.jsonl")
    assert len(trials) == 175 and hparams["search"]["runs"] == 175
    best = min(trials, key=lambda r: r["eval_loss"])
    assert (best["log2_lr"], best["output_mult"], best["init_std"]) == (-7.0, 4.0, 0.034641)
    assert hparams["hparams"]["log2_lr"] == best["log2_lr"]
    runs = load(DOCS / "target_runs.jsonl")
    assert len(runs) == 18 and all(r["width"] == 512 for r in runs)
    by = lambda **kw: [r["eval_loss"] for r in runs if all(r[k] == v for k, v in kw.items())]  # noqa: E731
    transferred = statistics.mean(by(param="mup", output_mult=4.0))
    transferred_sp = statistics.mean(by(param="sp"))
    direct = {lr: statistics.mean(by(param="mup", output_mult=1.0, log2_lr=float(lr))) for lr in range(-10, -3)}
    assert transferred == pytest.approx(summary["transferred_mup_loss"])
    assert min(direct, key=direct.get) == -7 == summary["direct_best_log2_lr"]
    assert transferred - min(direct.values()) < 0.02  # the target
    assert transferred_sp - transferred > 1.0
    assert summary["proxy_over_direct_flops"] == pytest.approx(0.403, abs=1e-3)
    readme = documentation()
    for claim in [f"**{transferred:.3f}**", f"{min(direct.values()):.3f}", f"{transferred_sp:.3f}",
                  f"**{min(direct.values()) - transferred:.3f} nats below**",
                  f"**{transferred_sp - transferred:.3f} nats worse**", "**0.40×**"]:
        assert claim in readme, claim


def test_a_trial_costs_what_a_sweep_run_of_the_same_size_costs():
    timing = json.loads((ROOT / "experiments" / "tune_trial_time/results.json").read_text())
    assert timing["tune_trial_s_mean"] <= timing["sweep_run_s_mean"] * 1.05
    readme = documentation()
    assert (f"a trial trains in {timing['tune_trial_s_mean']} s against\n  {timing['sweep_run_s_mean']} s" in readme)
    assert f"takes {timing['tune_wall_s']} s against the sweep's {timing['sweep_wall_s']} s" in readme
