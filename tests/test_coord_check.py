"""The coordinate check passes muP and fails standard parametrization and broken muP variants."""
import json

import mup
import pytest
import torch
from torch import nn

from mutransformers import coord_check as cc
from mutransformers.cli import main as cli_main


WIDTHS = [64, 128, 256, 512]


ALL_ARCHS = sorted(cc.ARCHS)
# The controls fail by margins far above the seed noise for which muP's own pass verdict averages more seeds
# (BART 8, OLMo-2 4: families.Arch.check_seeds), so they run on 2 (every verdict below measured to hold there:
# BART's 1/sqrt(d) logits +0.87 against muP's +0.26, OLMo-2's +0.41 against -0.15)
CONTROL_SEEDS = 2


@pytest.mark.parametrize("arch, optimizer, lr", [(arch, "adam", 1e-2) for arch in ALL_ARCHS]
                         + [("gpt2", "sgd", 0.5), ("bert", "sgd", 0.5)])
def test_mup_passes(arch, optimizer, lr):
    # 2 seeds: Llama's small attention outputs (RMS 0.02-0.09) give a single seed slope noise up to 0.31;
    # OLMo-2 4 (families.Arch.check_seeds: its MLP output at layer 0 gave +0.38 on 2 seeds, +0.24 on 4)
    seeds = cc.ARCHS[arch].check_seeds
    result = cc.check(cc.run(arch, WIDTHS, "mup", steps=8, optimizer=optimizer, lr=lr, seeds=seeds, progress=False))
    assert result.passed, result.summary()


@pytest.mark.parametrize("arch, variant, offending_kind",
                         [(arch, "sp", None) for arch in ALL_ARCHS]                      # grows everywhere
                         + [(arch, "mup_linear_readout", "logits") for arch in ALL_ARCHS])  # no 1/width_mult
def test_negative_controls_fail(arch, variant, offending_kind):
    rows = cc.run(arch, WIDTHS, variant, steps=8, seeds=CONTROL_SEEDS, progress=False)
    result = cc.check(rows)
    assert not result.passed
    if offending_kind and arch == "bart":  # its cross-attention output grows under the controls too (README)
        assert offending_kind in {s["kind"] for s in result.worst}, result.summary()
    elif offending_kind:
        assert result.worst[0]["kind"] == offending_kind, result.summary()


@pytest.mark.parametrize("arch", ALL_ARCHS)
def test_sqrt_d_attention_control_shows_on_the_logits_once_q_and_k_align(arch):
    """Under 1/sqrt(d) the attention logits grow like sqrt(d_head) only once q and k align; in 8 steps at the
    check's lr 1e-2 they barely do, so the check's verdict on this control is marginal (size slope +0.25 to
    +0.38 against the bound 0.3 for GPT-2 and Llama, depending on the seeds; see the README). At lr 2e-2 eight
    steps align them: paired with muP on the same draws and batches, the control's logits slope exceeds
    muP's by +0.43 (GPT-2, OLMo-2) to +0.76 (T5), measured on one seed; the theory says +0.5 once aligned.
    muP's own logits are not flat at every arch there (GPT-2 +0.66: 2e-2 is past the calibrated regime), so
    the difference is what is judged. ModernBERT (base std 0.069) aligns them at the check's own lr 1e-2
    (control +0.64, muP +0.13) and less at 2e-2 (+0.44 vs +0.12), so its pair is read at 1e-2."""
    lr = 1e-2 if arch == "modernbert" else 2e-2

    def logits_slope(variant):
        rows = cc.run(arch, WIDTHS, variant, steps=8, lr=lr, seeds=CONTROL_SEEDS, progress=False)
        return max(s["slope"] for s in cc.check(rows).slopes if s["kind"] == "attn_logits")
    control, mup = logits_slope("mup_attn_sqrt_d"), logits_slope("mup")
    assert control > cc.MAX_SLOPE and control - mup > 0.35, (control, mup)


@pytest.mark.parametrize("arch", ALL_ARCHS)
def test_lazy_global_lr_control_fails_only_on_its_vanishing_updates(arch):
    """One Adam LR lr * base/width for every parameter: no activation grows, so v1 passed it; the
    embeddings' change from init shrinks like 1/width (their LR does), which v2 catches."""
    rows = cc.run(arch, WIDTHS, "global_lr", steps=8, seeds=CONTROL_SEEDS, progress=False)
    result = cc.check(rows)
    if arch == "bart":  # measured, not yet explained (README): its decoder's cross-attention output grows too
        assert not result.passed and result.worst[0]["module"].endswith("encoder_attn"), result.summary()
        assert any(s["kind"] == "embedding" and s["slope"] < -0.9 for s in result.change_worst)
        return
    assert cc.check(rows, max_change_slope=None).passed  # sizes alone: passes (the v1 check)
    assert not result.passed and not result.worst  # fails on the changes only
    # OLMo-2's first MLP reads the embeddings unnormalized, so its change vanishes faster than theirs
    assert result.change_worst[0]["kind"] == ("mlp" if arch == "olmo2" else "embedding"), result.summary()
    assert result.change_worst[0]["slope"] < -0.9
    assert any(s["kind"] == "embedding" and s["slope"] < -0.9 for s in result.change_worst)


def test_change_from_init_is_zero_at_step_0_and_recorded_after():
    rows = cc.run("gpt2", [64, 128], "mup", steps=3, progress=False)
    assert all(r["change_rms"] == 0.0 for r in rows if r["step"] == 0)
    later = [r for r in rows if r["step"] > 0]
    assert later and all(r["change_rms"] > 0 for r in later if r["kind"] != "embedding" or "wpe" not in r["module"])
    assert {r["kind"] for r in later if r["change_rms"] > 0} >= {"embedding", "attn_logits", "block", "logits"}


def test_change_verdict_is_two_sided_except_attention_logits():
    def rows(kind, slope):
        return [dict(width=w, module="m", kind=kind, step=s, mean_abs=1.0, rms=1.0, change_rms=float(s) * w ** slope)
                for w in WIDTHS for s in (0, 1, 2)]
    assert cc.check(rows("block", 0.0)).passed
    assert not cc.check(rows("block", -1.0)).passed and not cc.check(rows("block", 1.0)).passed
    assert cc.check(rows("attn_logits", -1.0)).passed and not cc.check(rows("attn_logits", 1.0)).passed
    assert cc.check(rows("block", -1.0), max_change_slope=None).passed


def test_sgd_standard_parametrization_fails():
    assert not cc.check(cc.run("gpt2", WIDTHS, "sp", steps=4, optimizer="sgd", lr=0.5, progress=False)).passed


def test_attention_logits_are_recorded_under_sdpa():
    model_widths = [64, 128]
    rows = cc.run("gpt2", model_widths, "mup", steps=2, progress=False)
    kinds = {row["kind"] for row in rows}
    assert {"embedding", "q", "k", "v", "attn_logits", "attn_core", "attn_out", "mlp", "block", "final_norm",
            "logits"} <= kinds
    model = cc.build("gpt2", 64)
    assert model.config._attn_implementation == "sdpa"
    cc.collect_coords({64: lambda: model}, cc.markov_batches(1), steps=1, progress=False)
    assert model.config._attn_implementation == "sdpa"  # restored after recording


def test_fit_slopes_recovers_a_known_power_law():
    rows = [dict(width=w, module="m", kind="k", step=0, mean_abs=w ** 0.5, rms=3 * w ** -1.0) for w in WIDTHS]
    (slope,) = cc.fit_slopes(rows)
    assert slope["slope"] == pytest.approx(-1.0)
    assert cc.fit_slopes(rows, metric="mean_abs")[0]["slope"] == pytest.approx(0.5)
    assert cc.check(rows, metric="mean_abs").worst[0]["module"] == "m"


def test_any_module_with_a_data_loader():
    """A user's own muP network: every leaf module is recorded; muP passes, SP init fails."""
    def mlp(width, readout):
        return nn.Sequential(nn.Linear(16, width), nn.ReLU(), nn.Linear(width, width), nn.ReLU(), readout(width, 4))

    def mu_mlp(width):
        model = mlp(width, mup.MuReadout)
        mup.set_base_shapes(model, mlp(32, mup.MuReadout), delta=mlp(48, mup.MuReadout))
        for layer in (model[2],):
            mup.init.normal_(layer.weight, std=(1 / 32) ** 0.5)
        return model

    data = torch.utils.data.TensorDataset(torch.randn(64, 16), torch.randint(0, 4, (64,)))
    loader = torch.utils.data.DataLoader(data, batch_size=16)

    def loss_fn(model, batch):
        x, y = batch
        return nn.functional.cross_entropy(model(x), y)

    widths = [64, 256, 1024]
    rows = cc.collect_coords({w: (lambda w=w: mu_mlp(w)) for w in widths}, loader, steps=4, loss_fn=loss_fn,
                             lr=0.01, progress=False)
    assert {row["kind"] for row in rows} == {"Linear", "ReLU", "MuReadout"}
    assert cc.check(rows).passed
    sp_rows = cc.collect_coords({w: (lambda w=w: mlp(w, nn.Linear)) for w in widths}, loader, steps=4,
                                loss_fn=loss_fn, lr=0.01, mup_optimizer=False, progress=False)
    assert not cc.check(sp_rows).passed


def test_cli_writes_plot_and_numbers(tmp_path, capsys):
    out = tmp_path / "coord.png"
    code = cli_main(["coord-check", "--arch", "bert", "--widths", "64", "128", "--steps", "2", "--out", str(out)])
    assert code == 0
    assert out.stat().st_size > 10_000
    record = json.loads(out.with_suffix(".json").read_text())
    assert set(record["variants"]) == {"sp", "mup"} and record["variants"]["mup"]["passed"]
    assert "bert mup: PASS" in capsys.readouterr().out
    assert record["max_change_slope"] == cc.MAX_CHANGE_SLOPE and "change_slopes" in record["variants"]["mup"]
    code = cli_main(["coord-check", "--arch", "gpt2", "--widths", "64", "128", "256", "--steps", "3", "--variants",
                     "mup", "global_lr", "--out", str(out)])
    assert code == 0  # only a failing muP fails the command
    printed = capsys.readouterr().out
    assert "gpt2 global_lr: FAIL" in printed and "change slope" in printed


