"""LR sweeps: schedules keep muP's LR ratios, divergence is data, sweeps resume and distribute."""
import dataclasses
import json
import math
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch
from transformers import get_cosine_schedule_with_warmup

import mutransformers as mt
from mutransformers import families
from mutransformers import sweep as sw
from mutransformers.sweep import grid, results
from mutransformers.sweep.train import RunConfig, build_model, train_run

from cases import documentation, seed_means

from corpus import DATA
TINY = dict(steps=6, batch_size=4, seq_len=32, vocab_size=512, eval_batches=2)


@pytest.fixture(autouse=True)
def _cache(tmp_path_factory, monkeypatch):
    monkeypatch.setenv("MUTRANSFORMERS_CACHE", str(tmp_path_factory.getbasetemp() / "cache"))


def test_warmup_cosine_schedule_keeps_mup_ratios():
    model = mt.GPT2LMHeadModel(mt.GPT2Config(n_embd=128, n_head=4, n_layer=1, vocab_size=50, mup_base={"n_embd": 32}))
    optimizer = mt.MuAdamW(model.parameters(), lr=1e-2)
    schedule = get_cosine_schedule_with_warmup(optimizer, 3, 10)
    initial = [g["initial_lr"] for g in optimizer.param_groups]
    assert sorted(set(initial)) == [pytest.approx(2.5e-3), pytest.approx(1e-2)]  # hidden: lr / width_mult 4
    seen = set()
    for _ in range(10):
        optimizer.step()
        schedule.step()
        factors = [g["lr"] / lr0 for g, lr0 in zip(optimizer.param_groups, initial)]
        assert max(factors) - min(factors) < 1e-12
        seen.add(round(factors[0], 6))
    assert len(seen) > 5  # the schedule did move the LRs


def test_run_trains_and_a_diverging_run_is_recorded_not_raised():
    ok = train_run(RunConfig(arch="gpt2", param="mup", width=32, log2_lr=-6, seed=0, base_width=32, **TINY), DATA)
    assert not ok["diverged"] and math.isfinite(ok["eval_loss"]) and ok["eval_loss"] < math.log(512) + 0.5
    assert ok["device"] == ("cuda" if torch.cuda.is_available() else "cpu")  # a GPU is used when there is one
    bad = train_run(RunConfig(arch="gpt2", param="sp", width=32, log2_lr=20, seed=0, base_width=32, **TINY), DATA)
    assert bad["diverged"] and not math.isfinite(bad["eval_loss"])


def test_run_clips_the_gradient_norm_before_every_step(monkeypatch):
    norms = []
    clip = torch.nn.utils.clip_grad_norm_
    monkeypatch.setattr(torch.nn.utils, "clip_grad_norm_", lambda params, max_norm: norms.append(
        clip(params, max_norm).item()) or max_norm)
    run = RunConfig(arch="gpt2", param="sp", width=32, log2_lr=-6, seed=0, base_width=32, grad_clip=0.5, **TINY)
    train_run(run, DATA)
    assert len(norms) == TINY["steps"]
    assert max(norms) > 0.5  # the norms seen before clipping: the clip did bite
    norms.clear()
    train_run(RunConfig(**{**run.__dict__, "grad_clip": 0.0}), DATA)
    assert norms == []


def test_run_applies_an_ablations_edits_to_model_and_optimizer():
    seen = {}

    def remember(model, run):
        seen["model"], seen["before"] = model, [p.detach().clone() for p in model.parameters()]

    def freeze(model, optimizer):  # every LR 0: a trained run that leaves its weights as drawn
        for group in optimizer.param_groups:
            group["lr"] = 0.0
    run = RunConfig(arch="gpt2", param="mup", width=32, log2_lr=-6, seed=0, base_width=32, **TINY)
    record = train_run(run, DATA, edit_model=remember, edit_optimizer=freeze)
    assert record["key"] == run.key() and record["steps_done"] == TINY["steps"]
    assert all(torch.equal(a, b) for a, b in zip(seen["before"], seen["model"].parameters()))


def test_masked_lm_run():
    record = train_run(RunConfig(arch="bert", param="mup", width=32, log2_lr=-7, seed=0, base_width=32, **TINY), DATA)
    assert math.isfinite(record["eval_loss"])


def _sweep_cmd(results_path, *extra):
    return [sys.executable, "-m", "mutransformers.cli", "sweep", "--widths", "32", "48", "--log2-lrs", "-8", "-6",
            "--seeds", "0", "--params", "mup", "sp", "--steps", "30", "--batch-size", "4", "--seq-len", "32",
            "--vocab-size", "512", "--data", str(DATA), "--results", str(results_path), *extra]


def test_killed_sweep_resumes_losing_nothing(tmp_path):
    path = tmp_path / "results.jsonl"
    env = {**os.environ, "MUTRANSFORMERS_CACHE": os.environ["MUTRANSFORMERS_CACHE"]}
    process = subprocess.Popen(_sweep_cmd(path, "--workers", "1"), env=env, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    deadline = time.time() + 300
    while len(results.load(path)) < 2 and time.time() < deadline:
        time.sleep(0.2)
    process.kill()
    process.wait()
    before = results.load(path)
    assert 2 <= len(before) < 8, "killed mid-way"
    finished = subprocess.run(_sweep_cmd(path, "--workers", "2"), env=env, capture_output=True, text=True, check=True)
    assert f"{8 - len(before)} runs trained" in finished.stdout
    after = results.load(path)
    assert len(after) == 8 and len({r["key"] for r in after}) == 8
    assert after[:len(before)] == before  # nothing lost or rewritten


def _train_run_that_fails_first(run, data_dir):
    """Stands in for train_run in forked workers: leaves a mark per started run; the first run raises."""
    Path(os.environ["STARTED_RUNS_DIR"], run.key().replace("|", "_")).touch()
    if run.log2_lr == -20:
        raise mt.MuPError("this run is broken")
    time.sleep(0.2)
    return {**dataclasses.asdict(run), "key": run.key(), "eval_loss": 5.0, "diverged": False}


def test_a_failed_run_stops_the_sweep_instead_of_training_the_rest(tmp_path, monkeypatch):
    """The pool's exit waits for every submitted run: a failed run (or an interrupt) used to train the whole
    remaining grid and record none of it. Now the queued runs are cancelled; only those in flight finish."""
    import multiprocessing
    assert multiprocessing.get_start_method() == "fork"  # the stand-in reaches the workers through fork
    started = tmp_path / "started"
    started.mkdir()
    monkeypatch.setenv("STARTED_RUNS_DIR", str(started))
    monkeypatch.setattr(grid, "train_run", _train_run_that_fails_first)
    runs = [RunConfig(arch="gpt2", param="mup", width=32, log2_lr=lr, seed=0, base_width=32, vocab_size=512)
            for lr in range(-20, 12)]
    with pytest.raises(mt.MuPError, match="this run is broken"):
        grid.run_runs(runs, tmp_path / "results.jsonl", DATA, workers=2, progress=False)
    assert 1 <= len(list(started.iterdir())) <= 8, "the runs in flight, not the 32 of the grid"
    assert len(results.load(tmp_path / "results.jsonl")) <= 3


def test_optuna_workers_share_one_sweep(tmp_path):
    path, storage = tmp_path / "results.jsonl", f"sqlite:///{tmp_path / 'sweep.db'}"
    env = {**os.environ}
    workers = [subprocess.Popen(_sweep_cmd(path, "--storage", storage), env=env, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True) for _ in range(2)]
    outputs, errors = zip(*(w.communicate(timeout=600) for w in workers))
    assert all(w.returncode == 0 for w in workers), errors
    records = results.load(path)
    assert len({r["key"] for r in records}) == 8  # every grid point, once each in the report
    trained = [int(out.split(" runs trained")[0].split()[-1]) for out in outputs]
    assert sum(trained) >= 8 and min(trained) > 0  # both workers took part


@pytest.mark.slow
def test_four_workers_on_postgresql_survive_a_killed_worker(tmp_path):
    """Workers on a real PostgreSQL server over TCP: one is SIGKILLed mid-run; its grid point is
    retried by another, every point ends in the results exactly once, and a second sweep resumes."""
    pytest.importorskip("pgserver", reason="the test's PostgreSQL comes from the pgserver wheel (dev extra)")
    pytest.importorskip("psycopg2", reason="PostgreSQL storage needs psycopg2-binary (sweep extra)")
    import signal
    import optuna
    from optuna.storages import RetryHeartbeatStaleTrialCallback
    from postgres_server import postgres_on_loopback
    path = tmp_path / "results.jsonl"
    with postgres_on_loopback(tmp_path / "pg") as url:
        cmd = _sweep_cmd(path, "--storage", url, "--heartbeat", "1", "--seeds", "0", "1", "--workers", "1")
        cmd[cmd.index("--steps") + 1] = "60"
        workers = [subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                   for _ in range(4)]
        victim = f":{workers[0].pid}"
        deadline = time.time() + 300
        while time.time() < deadline:  # kill worker 0 while it holds a running grid point
            try:
                study = optuna.load_study(study_name="mutransformers-sweep", storage=url)
                held = [t for t in study.get_trials(deepcopy=False) if t.state == optuna.trial.TrialState.RUNNING
                        and t.user_attrs.get("worker", "").endswith(victim)]
            except Exception:  # the schema is not created yet
                held = []
            if held:
                break
            time.sleep(0.2)
        assert held, "worker 0 never held a run"
        workers[0].send_signal(signal.SIGKILL)
        outputs = [w.communicate(timeout=600) for w in workers[1:]]
        assert all(w.returncode == 0 for w in workers[1:]), [err[-2000:] for _, err in outputs]

        lines = [json.loads(line) for line in path.read_text().splitlines()]
        assert len(lines) == 16 and len({r["key"] for r in lines}) == 16  # every point exactly once
        trials = optuna.load_study(study_name="mutransformers-sweep", storage=url).get_trials()
        killed = [t for t in trials if t.number == held[0].number][0]
        assert killed.state == optuna.trial.TrialState.FAIL
        retry = [t for t in trials if RetryHeartbeatStaleTrialCallback.retried_trial_number(t) == killed.number]
        assert [t.state for t in retry] == [optuna.trial.TrialState.COMPLETE]
        assert retry[0].user_attrs["point"] == killed.user_attrs["point"] and not retry[0].user_attrs["worker"].endswith(victim)

        again = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
        assert again.returncode == 0 and "0 runs trained" in again.stdout  # the second sweep resumes
        assert len(path.read_text().splitlines()) == 16


def _record(param, width, log2_lr, loss, seed=0):
    return {"arch": "gpt2", "param": param, "width": width, "log2_lr": log2_lr, "seed": seed,
            "eval_loss": loss, "diverged": not math.isfinite(loss), "key": f"{param}{width}{log2_lr}{seed}"}


def test_report_finds_optima_shifts_and_monotonicity(tmp_path):
    records = []
    for width, (mup_opt, sp_opt) in {64: (-8, -6), 128: (-8, -7), 256: (-8, -8), 512: (-8, -9)}.items():
        for lr in range(-12, -4):
            bonus = 0.1 * math.log2(width)  # wider is better
            records.append(_record("mup", width, lr, 5 + 0.1 * (lr - mup_opt - 0.3) ** 2 - bonus))
            loss = math.inf if lr == -5 and width == 512 else 5 + 0.1 * (lr - sp_opt) ** 2 - bonus
            records.append(_record("sp", width, lr, loss))
    summary = sw.analyze(records)
    assert set(summary) == {"gpt2 mup log2_lr", "gpt2 sp log2_lr"}  # only the LR was swept
    mup, sp = summary["gpt2 mup log2_lr"], summary["gpt2 sp log2_lr"]
    assert [r["best_log2"] for r in mup["widths"]] == [-8] * 4 and mup["optimum_shift_steps"] == 0
    assert mup["widths"][0]["parabola_log2"] == pytest.approx(-7.7)
    assert sp["optimum_shift_steps"] == 3 and mup["best_loss_falls_with_width"]
    assert mup["values_near_optimum_log2"] == [-9, -8, -7] and mup["wider_better_near_optimum"]
    assert -5 in sp["values_where_wider_is_not_better_log2"]  # width 512 diverged there
    assert sw.plot_sweep(records, tmp_path / "fig.png").stat().st_size > 10_000


def test_report_counts_grid_steps_over_every_width_when_each_width_has_its_own_lrs():
    """A wide SP model's LRs sit further down (ModernBERT's width 512 ran -12..-10 beside -11..-6): the shift
    counts steps over all the LRs measured, and wider-is-better compares only the widths that ran an LR."""
    grids = {64: range(-11, -5), 128: range(-11, -5), 512: range(-13, -9)}
    optima = {64: -8, 128: -9, 512: -12}
    records = [_record("sp", width, lr, 5 + 0.1 * (lr - optima[width]) ** 2 - 0.2 * math.log2(width))
               for width, lrs in grids.items() for lr in lrs]
    sp = sw.analyze(records)["gpt2 sp log2_lr"]
    assert [r["best_log2"] for r in sp["widths"]] == [-8, -9, -12] and sp["optimum_shift_steps"] == 4
    # -13 and -12: only width 512 ran them, nothing to compare; -9 and -8: widths 64 and 128 compared
    assert sp["values_near_optimum_log2"] == [-11, -10, -9, -8, -7]
    assert sp["values_where_wider_is_not_better_log2"] == [-7]  # width 128 is past its optimum there
    assert sp["transfer_gap"] is None  # width 512 did not run width 64's optimum: unknown, not infinite


def test_sweep_scales_the_base_init_std_to_the_base_width():
    runs = sw.Sweep(archs=["gpt2", "t5"], widths=[64, 128], log2_lrs=[-8], seeds=[0]).runs()
    gpt2 = next(r for r in runs if r.arch == "gpt2")
    assert gpt2.init_std == pytest.approx(0.02 * math.sqrt(768 / 64), rel=1e-5)
    assert next(r for r in runs if r.arch == "t5").init_std == 0.02  # T5's init is fan-in scaled already
    model = build_model(gpt2)
    assert model.config.initializer_range == gpt2.init_std


def test_sp_runs_scale_the_init_std_by_fan_in_and_mup_runs_keep_the_base_std():
    """TP V's SP draws hidden weights with variance sigma^2 / fan_in: at 4x the base width, half the std;
    muP gets the base std and rescales it itself (the hidden weights' measured std halves there too)."""
    sp, mup = (sw.Sweep(params=[p], widths=[64, 256], log2_lrs=[-8], seeds=[0]).runs()[0] for p in ("sp", "mup"))
    assert sp.width == mup.width == 256
    sp_model, mup_model = build_model(sp), build_model(mup)
    assert sp_model.config.initializer_range == pytest.approx(sp.init_std / 2)
    assert mup_model.config.initializer_range == mup.init_std
    for model in (sp_model, mup_model):
        std = model.transformer.h[0].mlp.c_fc.weight.std().item()
        assert std == pytest.approx(sp.init_std / 2, rel=0.05)


def test_results_file_ignores_a_line_cut_by_a_kill(tmp_path):
    path = tmp_path / "r.jsonl"
    results.append(path, {"key": "a", "eval_loss": float("nan")})
    with open(path, "a") as f:
        f.write('{"key": "b", "eval_lo')
    assert [r["key"] for r in results.load(path)] == ["a"] and results.load(path)[0]["eval_loss"] is None


def _train_tokenizer(cache: str) -> int:
    os.environ["MUTRANSFORMERS_CACHE"] = cache
    from mutransformers.sweep import data
    return data.tokenizer(DATA, 512).get_vocab_size()


def test_two_workers_training_one_tokenizer_at_once_leave_one_whole_cache(tmp_path):
    import multiprocessing
    with multiprocessing.get_context("spawn").Pool(2) as pool:
        sizes = pool.map(_train_tokenizer, [str(tmp_path)] * 2)
    assert sizes == [512, 512]
    names = sorted(p.name for p in tmp_path.iterdir())  # no private folder left behind
    assert len(names) == 2 and names[0].endswith("-merges.txt") and names[1].endswith("-vocab.json"), names
    assert _train_tokenizer(str(tmp_path)) == 512  # read back from the cache


def test_committed_distributed_sweep_timing_matches_the_readme():
    root = Path(__file__).resolve().parents[1]
    timing = json.loads((root / "experiments" / "distributed_sweep/results.json").read_text())
    assert timing["runs"] == 16 and timing["wall_s_4_workers"] < timing["wall_s_1_worker"]
    assert timing["speedup"] == pytest.approx(timing["wall_s_1_worker"] / timing["wall_s_4_workers"], abs=0.01)
    claim = (f"1 worker {timing['wall_s_1_worker']} s, 4 workers {timing['wall_s_4_workers']} s, a\n"
             f"  {timing['speedup']}× speedup")
    assert claim in documentation()


# -- sweeps over any muP hyperparameter (TP V Fig. 4) ------------------------------------------------

def test_one_at_a_time_varies_each_hp_around_the_centre_and_grid_takes_every_combination():
    kw = dict(archs=["gpt2"], params=["mup"], widths=[64, 128], log2_lrs=[-8, -7, -6], seeds=[0],
              hparams={"output_mult": [0.5, 1, 2], "attn_mult": [0.5, 2]})
    one = sw.Sweep(protocol="one-at-a-time", centre={"log2_lr": -7}, **kw)
    points = one.points("gpt2")
    centre = {"log2_lr": -7.0, "output_mult": 1.0, "attn_mult": 1.0}
    assert points[1] == centre and len(points) == 3 + 2 + 2  # the centre once
    assert all(sum(p[k] != centre[k] for k in centre) <= 1 for p in points)
    assert len(sw.Sweep(**kw).points("gpt2")) == 3 * 3 * 2
    assert len(one.runs()) == 2 * len(points)


def test_sweep_names_bad_hyperparameters():
    with pytest.raises(mt.MuPError, match="Unknown hyperparameter 'ouput_mult'.*output_mult"):
        sw.Sweep(hparams={"ouput_mult": [1, 2]})
    with pytest.raises(mt.MuPError, match="--centre log2_lr"):
        sw.Sweep(hparams={"output_mult": [1, 2]}, protocol="one-at-a-time").runs()
    with pytest.raises(mt.MuPError, match="t5 has no init std field"):
        sw.Sweep(archs=["t5"], hparams={"init_std": [0.02, 0.04]})


def test_multipliers_reach_the_model_in_both_parametrizations():
    base = dict(arch="gpt2", width=128, log2_lr=-7, seed=0, base_width=64)
    mup = build_model(RunConfig(param="mup", output_mult=2.0, attn_mult=4.0, input_mult=0.5, **base))
    default = build_model(RunConfig(param="mup", **base))
    assert mup.config.output_mult == 2.0 and mup.transformer.wte.input_mult == 0.5
    attn, attn0 = mup.transformer.h[0].attn, default.transformer.h[0].attn
    assert attn.scaling == pytest.approx(4 * attn0.scaling)
    assert attn0.scaling == pytest.approx(4 / 32)  # muP default: sqrt(base d_head 16) / d_head 32
    # SP with a multiplier: our class as its own base, i.e. transformers' model with the multiplier
    sp = build_model(RunConfig(param="sp", attn_mult=2.0, output_mult=3.0, **base))
    assert isinstance(sp, mt.MuGPT2LMHeadModel) and sp.lm_head.width_mult() == 1.0
    assert sp.transformer.h[0].attn.scaling == pytest.approx(2 / 32 ** 0.5)  # 2 x SP's 1/sqrt(d_head)
    assert sp.config.initializer_range == pytest.approx(RunConfig(param="sp", **base).init_std / 2 ** 0.5)
    plain = build_model(RunConfig(param="sp", **base))
    assert type(plain).__name__ == "GPT2LMHeadModel"  # at multipliers 1 SP is transformers' own class


def test_keys_of_results_written_before_the_multipliers_still_match():
    run = RunConfig(arch="gpt2", param="mup", width=64, log2_lr=-7, seed=0)
    assert "mult" not in run.key()  # so a results file from the LR-only sweeps resumes
    assert "output_mult=2.0" in RunConfig(**{**run.__dict__, "output_mult": 2.0}).key()


def test_config_set_reaches_every_parametrization_and_bad_fields_are_named():
    base = dict(arch="gpt2", width=128, log2_lr=-7, seed=0, base_width=64,
                config_set=sw.format_config_set({"tie_word_embeddings": False, "activation_function": "relu"}))
    assert base["config_set"] == 'activation_function="relu";tie_word_embeddings=false'
    for param, extra in (("mup", {}), ("sp", {}), ("completep", {"n_layer": 4, "base_depth": 2})):
        model = build_model(RunConfig(param=param, **base, **extra))
        assert model.config.activation_function == "relu" and model.config.tie_word_embeddings is False
        assert model.lm_head.weight.data_ptr() != model.transformer.wte.weight.data_ptr()  # untied for real
    tied = build_model(RunConfig(param="mup", **{**base, "config_set": ""}))
    assert tied.lm_head.weight.data_ptr() == tied.transformer.wte.weight.data_ptr()
    assert "config_set" not in RunConfig(param="mup", **{**base, "config_set": ""}).key()  # old files resume
    assert "tie_word_embeddings=false" in RunConfig(param="mup", **base).key()
    for field, hint in (("n_embd", "--widths"), ("n_layer", "--depths"), ("initializer_range", "--init-std"),
                        ("output_mult", "--grid output_mult")):
        with pytest.raises(mt.MuPError, match=f"the sweep sets {field} itself; use {hint}"):
            sw.Sweep(run_fields={"config_set": f"{field}=1"}).runs()
    with pytest.raises(mt.MuPError, match=r"GPT2Config has no field 'tie_embeddings'"):
        sw.Sweep(run_fields={"config_set": "tie_embeddings=false"}).runs()


def test_set_gives_muP_zero_init_options_to_muP_runs_only():
    base = dict(arch="gpt2", width=128, log2_lr=-7, seed=0, base_width=64,
                config_set=sw.format_config_set({"tie_word_embeddings": False, "readout_zero_init": True}))
    model = build_model(RunConfig(param="mup", **base))
    assert model.config.readout_zero_init and model.lm_head.weight.abs().max() == 0
    assert model.transformer.wte.weight.std() > 0.01  # the input embedding keeps its draw
    with pytest.raises(mt.MuPError, match="readout_zero_init: a muP init option, and SP runs"):
        build_model(RunConfig(param="sp", **base))


def _hp_record(param, width, hps, loss, seed=0):
    return {"arch": "llama", "param": param, "width": width, "seed": seed, "eval_loss": loss, "diverged": False,
            "key": f"{param}{width}{sorted(hps.items())}{seed}", **hps}


def test_report_gives_each_hp_its_optimum_per_width_in_both_protocols(tmp_path):
    """Synthetic losses: muP's output_mult optimum stays at 2 over widths, SP's moves one step per doubling."""
    def loss(width, log2_lr, log2_om, om_opt):
        return 4 + 0.1 * (log2_lr + 7) ** 2 + 0.05 * (log2_om - om_opt) ** 2 - 0.1 * math.log2(width)
    for protocol in ("one-at-a-time", "grid"):
        sweep = sw.Sweep(archs=["llama"], params=["mup", "sp"], widths=[64, 128, 256], log2_lrs=[-8, -7, -6],
                         seeds=[0, 1], hparams={"output_mult": [0.25, 0.5, 1, 2, 4, 8]}, protocol=protocol,
                         centre={"log2_lr": -7})
        records = [_hp_record(run.param, run.width, {"log2_lr": run.log2_lr, "output_mult": run.output_mult},
                              loss(run.width, run.log2_lr, math.log2(run.output_mult),
                                   1 if run.param == "mup" else math.log2(run.width / 64)), run.seed)
                   for run in sweep.runs()]
        summary = sw.analyze(records)
        assert set(summary) == {f"llama {p} {hp}" for p in ("mup", "sp") for hp in ("log2_lr", "output_mult")}
        mup, sp = summary["llama mup output_mult"], summary["llama sp output_mult"]
        assert [r["best_log2"] for r in mup["widths"]] == [1, 1, 1] and mup["optimum_shift_steps"] == 0
        assert [r["best_log2"] for r in sp["widths"]] == [0, 1, 2] and sp["optimum_shift_steps"] == 2
        assert mup["widths"][0]["parabola_log2"] == pytest.approx(1.0)
        assert mup["values_near_optimum_log2"] == [0, 1, 2] and mup["wider_better_near_optimum"]
        assert all(r["seeds_agree"] for r in mup["widths"])
        assert [r["best_log2"] for r in summary["llama mup log2_lr"]["widths"]] == [-7] * 3
        path = sw.plot_sweep(records, tmp_path / f"fig4-{protocol}.png")
        assert path.stat().st_size > 10_000


def test_cli_sweeps_a_multiplier_grid_and_reports_it(tmp_path):
    path = tmp_path / "results.jsonl"
    cmd = [sys.executable, "-m", "mutransformers.cli", "sweep", "--archs", "llama", "--widths", "32", "64",
           "--log2-lrs", "-7", "--grid", "output_mult=0.5,2", "--seeds", "0", "--params", "mup", "--steps", "4",
           "--batch-size", "2", "--seq-len", "16", "--vocab-size", "512", "--data", str(DATA), "--results",
           str(path), "--workers", "1"]
    first = subprocess.run(cmd, capture_output=True, text=True, check=True)
    assert "4 runs trained" in first.stdout
    assert sorted((r["width"], r["output_mult"]) for r in results.load(path)) == [(32, .5), (32, 2), (64, .5), (64, 2)]
    again = subprocess.run(cmd, capture_output=True, text=True, check=True)
    assert "0 runs trained" in again.stdout  # resumes like an LR sweep
    report = subprocess.run([sys.executable, "-m", "mutransformers.cli", "sweep-report", str(path), "--out",
                             str(tmp_path / "fig.png")], capture_output=True, text=True, check=True)
    assert "llama mup output_mult: optimum (log2) per width" in report.stdout
    assert (tmp_path / "fig.png").exists() and "output_mult" in (tmp_path / "fig.json").read_text()


def test_cli_set_ablates_a_config_field_and_a_results_file_keeps_one_setting(tmp_path, capsys):
    from mutransformers import cli
    path, default_path = tmp_path / "results.jsonl", tmp_path / "default.jsonl"
    argv = ["sweep", "--archs", "gpt2", "--widths", "32", "64", "--log2-lrs", "-7", "--seeds", "0", "--params", "mup",
            "--steps", "2", "--batch-size", "2", "--seq-len", "16", "--vocab-size", "512", "--data", str(DATA),
            "--workers", "1"]
    threads = torch.get_num_threads()  # a run in this process sets one thread
    try:
        assert cli.main(argv + ["--results", str(path), "--set", "tie_word_embeddings=false"]) == 0
        assert {r["config_set"] for r in results.load(path)} == {"tie_word_embeddings=false"}
        capsys.readouterr()
        with pytest.raises(SystemExit) as mixed:  # the tied default is another sweep: refused before it trains
            cli.main(argv + ["--results", str(path)])
        assert mixed.value.code == 2 and "config_set tie_word_embeddings=false; this sweep's have (unset)," in (
            capsys.readouterr().err)
        with pytest.raises(SystemExit) as distributed:  # an Optuna worker checks the file as well
            cli.main(argv + ["--results", str(path), "--storage", f"sqlite:///{tmp_path / 'sweep.db'}"])
        assert distributed.value.code == 2 and "this sweep's have (unset)," in capsys.readouterr().err
        assert len(results.load(path)) == 2
        assert cli.main(argv + ["--results", str(default_path)]) == 0  # its own file
    finally:
        torch.set_num_threads(threads)
    ablated, default = results.load(path), results.load(default_path)
    assert {r["config_set"] for r in default} == {""} and not {r["key"] for r in ablated} & {r["key"] for r in default}
    with pytest.raises(SystemExit) as bad:
        cli.main(argv + ["--results", str(path), "--set", "tie_word_embeddings"])
    assert bad.value.code == 2 and "write FIELD=VALUE" in capsys.readouterr().err


def test_t5_trains_as_a_prefix_lm_and_bert_masks_what_mask_prob_says():
    ids = torch.arange(1000)
    (batch,) = sw.data.batches(ids, 1, 3, 16, "prefix", seed=0)
    assert batch["input_ids"].shape == batch["labels"].shape == (3, 8)
    assert torch.equal(batch["labels"][:, 0], batch["input_ids"][:, -1] + 1)  # the decoder continues the text
    (masked,) = sw.data.batches(ids + 10, 1, 64, 64, "masked", seed=0, mask_prob=0.4)
    assert abs((masked["labels"] != -100).float().mean().item() - 0.4) < 0.03
    with pytest.raises(mt.MuPError, match="objective='span'"):
        next(sw.data.batches(ids, 1, 1, 8, "span", seed=0))
    record = train_run(RunConfig(arch="t5", param="mup", width=32, log2_lr=-6, seed=0, base_width=32, **TINY), DATA)
    assert math.isfinite(record["eval_loss"]) and record["eval_loss"] < math.log(512) + 0.5
    run = RunConfig(arch="bert", param="mup", width=32, log2_lr=-7, seed=0)
    assert "mask_prob" not in run.key() and "mask_prob=0.4" in RunConfig(**{**run.__dict__, "mask_prob": 0.4}).key()


def test_runs_record_the_unigram_baseline_and_the_report_sets_results_against_it():
    baseline = sw.data.unigram_loss(DATA, 512)
    assert 3.0 < baseline < math.log(512)  # frequencies alone beat a uniform guess
    record = train_run(RunConfig(arch="bert", param="mup", width=32, log2_lr=-7, seed=0, base_width=32, **TINY), DATA)
    assert record["unigram_loss"] == baseline
    records = [{**_record(p, w, lr, 5 - 0.1 * w / 64 + 0.01 * abs(lr + 7) + 0.001 * s, seed=s), "unigram_loss": 6.0}
               for p in ("mup",) for w in (64, 128) for lr in (-8, -7, -6) for s in (0, 1)]
    summary = sw.analyze(records)["gpt2 mup log2_lr"]
    assert summary["unigram_loss"] == 6.0 and summary["margin_below_unigram"] == pytest.approx(1 + 0.1 - 0.001 / 2)
    assert summary["seed_spread_at_optimum"] == pytest.approx(0.001)
    assert summary["best_losses_apart_beyond_seed_spread"]


def test_report_refuses_files_that_are_not_one_sweep(tmp_path):
    run = {"key": "a", "arch": "gpt2", "param": "mup", "width": 64, "seed": 0, "log2_lr": -7.0, "eval_loss": 5.0,
           "steps": 300}
    with pytest.raises(mt.MuPError, match=r"holds no finished runs"):
        sw.check_one_sweep([], "r.jsonl")
    coord_check_rows = [{"width": 64, "step": 1, "module": "lm_head", "l1": 0.3}]
    with pytest.raises(mt.MuPError, match=r"not a sweep results file: record 1 lacks \['key', 'arch'"):
        sw.analyze(coord_check_rows)
    other = {**run, "key": "b", "width": 128, "steps": 1000}
    with pytest.raises(mt.MuPError, match=r"mixes runs of different sweep configurations: gpt2 runs have steps in "
                                          r"\[300, 1000\]"):
        sw.analyze([run, other])
    path = tmp_path / "mixed.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in (run, other)) + "\n")
    report = subprocess.run([sys.executable, "-m", "mutransformers.cli", "sweep-report", str(path)],
                            capture_output=True, text=True)
    assert report.returncode != 0 and "own results file" in report.stderr


def test_cli_help_shows_defaults_and_sweep_needs_the_users_data(capsys):
    from mutransformers.cli import main as cli_main
    for command in ("coord-check", "sweep", "sweep-report", "diff"):
        with pytest.raises(SystemExit) as exit_:
            cli_main([command, "--help"])
        assert exit_.value.code == 0 and "(default:" in capsys.readouterr().out, command
    with pytest.raises(SystemExit) as exit_:
        cli_main(["sweep", "--archs", "gpt2"])
    assert exit_.value.code == 2  # argparse: --data is required, no folder of this repository assumed


def _seed_mean_losses(records, hp, width):
    """{value: seed-mean loss} of a one-at-a-time sweep along ``hp`` (the other HPs at their defaults)."""
    centre = {"output_mult": 1.0, "attn_mult": 1.0, "input_mult": 1.0}
    losses = {}
    for r in records:
        if r["width"] == width and all(r.get(k, v) == v for k, v in centre.items() if k != hp) and (
                hp == "init_std" or r["init_std"] == pytest.approx(0.069282)):
            losses.setdefault(r.get(hp, centre.get(hp)), []).append(r["eval_loss"])
    return {value: sum(v) / len(v) for value, v in losses.items() if len(v) == 2}


def _seed_means(records, field="output_mult") -> dict:
    return seed_means(records, "width", field)


def test_depth_sweep_gives_completep_runs_the_smallest_depth_as_base_and_mup_none():
    sweep = sw.Sweep(archs=["gpt2"], params=["mup", "completep", "depth_mup"], widths=[64], depths=[2, 4, 8],
                     log2_lrs=[-7], seeds=[0])
    runs = sweep.runs()
    assert [r.n_layer for r in runs[:3]] == [8, 8, 8]  # deepest first: the slowest runs start early
    assert {(r.param, r.n_layer, r.base_depth) for r in runs} == {
        (p, d, 0 if p == "mup" else 2) for p in ("mup", "completep", "depth_mup") for d in (2, 4, 8)}
    paired = sw.Sweep(archs=["gpt2"], params=["completep"], widths=[64, 256], depths=[2, 8], paired=True,
                      log2_lrs=[-7], seeds=[0]).runs()
    assert sorted((r.width, r.n_layer, r.base_width, r.base_depth) for r in paired) == [(64, 2, 64, 2), (256, 8, 64, 2)]
    assert "base_depth" not in RunConfig(arch="gpt2", param="mup", width=64, log2_lr=-7, seed=0).key()  # old files resume


def test_depth_sweep_refuses_what_it_cannot_transfer():
    with pytest.raises(mt.MuPError, match=r"at least two \(--depths 2 4 8 16\)"):
        sw.Sweep(params=["completep"], depths=[4])
    with pytest.raises(mt.MuPError, match=r"one depth per width"):
        sw.Sweep(params=["completep"], widths=[64, 128, 256], depths=[2, 8], paired=True)
    with pytest.raises(mt.MuPError, match=r"Unknown parametrization \['complete'\]"):
        sw.Sweep(params=["complete"])
    with pytest.raises(mt.MuPError, match=r"depths \(--depths\) or n_layer"):
        sw.Sweep(depths=[2, 4], run_fields={"n_layer": 2})
    with pytest.raises(mt.MuPError, match=r"give base_depth"):
        build_model(RunConfig(arch="gpt2", param="completep", width=64, log2_lr=-7, seed=0))
    with pytest.raises(mt.MuPError, match=r"needs param 'completep' or 'depth_mup'"):
        build_model(RunConfig(arch="gpt2", param="mup", width=64, log2_lr=-7, seed=0, base_depth=2))
    with pytest.raises(mt.MuPError, match=r"BERT is post-LN"):
        build_model(RunConfig(arch="bert", param="completep", width=64, log2_lr=-7, seed=0, base_depth=2))


@pytest.mark.parametrize("arch", ["gpt2", "llama", "t5"])
def test_depth_runs_build_completep_models_and_match_width_only_mup_at_the_base_depth(arch):
    run = dict(arch=arch, width=32, log2_lr=-6, seed=0, base_width=32, **TINY)
    deep = build_model(RunConfig(param="depth_mup", n_layer=8, base_depth=2, **run))
    assert deep.config.mup_depth_base() is not None and deep.config.depth_alpha == 0.5
    assert deep.config.get_text_config().to_dict()[families.ARCHS[arch].layers] == 8
    at_base = [train_run(RunConfig(param=p, n_layer=2, base_depth=b, **run), DATA)["eval_loss"]
               for p, b in (("mup", 0), ("completep", 2))]
    assert at_base[0] == pytest.approx(at_base[1], abs=1e-5)  # base depth = own depth: width-only muP
    deeper = [train_run(RunConfig(param=p, n_layer=4, base_depth=b, **run), DATA)["eval_loss"]
              for p, b in (("mup", 0), ("completep", 2))]
    assert abs(deeper[0] - deeper[1]) > 1e-4  # with a base depth below its own, the branches are scaled


def _depth_record(param, width, depth, log2_lr, loss, seed=0):
    return {**_record(param, width, log2_lr, loss, seed), "n_layer": depth,
            "base_depth": 2 if param == "completep" else 0, "key": f"{param}{width}{depth}{log2_lr}{seed}"}


def test_report_reads_depth_and_paired_sweeps_off_the_records(tmp_path):
    records = []
    for depth, (mup_opt, completep_opt) in {2: (-7, -7), 4: (-8, -7), 8: (-9, -7), 16: (-10, -8)}.items():
        for lr in range(-11, -4):
            bonus = 0.05 * math.log2(depth)  # deeper is better
            records.append(_depth_record("mup", 128, depth, lr, 5 + 0.1 * (lr - mup_opt) ** 2 - bonus))
            records.append(_depth_record("completep", 128, depth, lr, 5 + 0.1 * (lr - completep_opt) ** 2 - bonus))
    summary = sw.analyze(records)
    cp, mup = summary["gpt2 completep log2_lr"], summary["gpt2 mup log2_lr"]
    assert cp["axis"] == "depth" and [r["depth"] for r in cp["depths"]] == [2, 4, 8, 16]
    assert cp["optimum_shift_steps"] == 1 and mup["optimum_shift_steps"] == 3
    assert cp["best_loss_falls_with_depth"] and cp["values_near_optimum_log2"] == [-9, -8, -7, -6]
    assert not cp["deeper_better_near_optimum"] and cp["values_where_deeper_is_not_better_log2"] == [-7, -6]
    assert cp["transfer_gap"] == pytest.approx(0.1) and mup["transfer_gap"] == pytest.approx(0.9)
    assert sw.plot_sweep(records, tmp_path / "depth.png").stat().st_size > 10_000
    joint = [_depth_record("completep", w, d, lr, 5 + 0.1 * (lr + 7) ** 2 - 0.1 * d)
             for w, d in ((64, 2), (256, 8)) for lr in range(-9, -4)]
    joint_summary = sw.analyze(joint)["gpt2 completep log2_lr"]
    assert joint_summary["axis"] == "size" and joint_summary["transfer_gap"] == 0.0
    assert [(r["width"], r["depth"]) for r in joint_summary["sizes"]] == [(64, 2), (256, 8)]
    crossed = joint + [_depth_record("completep", 64, 8, -7, 5.0), _depth_record("completep", 256, 2, -7, 5.0)]
    with pytest.raises(mt.MuPError, match=r"neither one width, one depth, nor widths paired"):
        sw.analyze(crossed)


def test_a_sweep_refuses_to_add_runs_of_another_configuration_to_its_results_file(tmp_path):
    """Adding width 512 to a 64..256 file with --widths 512 alone makes 512 the base width: refused before any run
    trains, naming the fix; with the file's smallest width kept, its runs extend the file's sweep."""
    path = tmp_path / "results.jsonl"
    kept = sw.Sweep(params=["mup"], widths=[64, 256], log2_lrs=[-7], seeds=[0])
    for run in kept.runs():
        results.append(path, {**dataclasses.asdict(run), "key": run.key(), "eval_loss": 5.0, "diverged": False})
    alone = sw.Sweep(params=["mup"], widths=[512], log2_lrs=[-7], seeds=[0])
    with pytest.raises(mt.MuPError, match=r"base_width 64; this sweep's have 512.*keep the file's smallest width"):
        grid.run_local(alone, path, DATA)
    assert len(sw.load(path)) == 2  # nothing trained
    grid.check_extends(sw.load(path), sw.Sweep(params=["mup"], widths=[64, 512], log2_lrs=[-7], seeds=[0]).runs(),
                       path)
    with pytest.raises(mt.MuPError, match=r"steps 300; this sweep's have 1000"):
        grid.check_extends(sw.load(path), sw.Sweep(params=["mup"], widths=[64], log2_lrs=[-7], seeds=[0],
                                                   run_fields={"steps": 1000}).runs(), path)


# -- data without --data: WikiText-2 through datasets ---------------------------------------------

def test_without_data_a_sweep_loads_wikitext_2_through_datasets_once_and_trains_on_its_test_split(monkeypatch,
                                                                                                tmp_path):
    """No --data: the splits come from datasets.load_dataset (here a stand-in holding the corpus' text), are
    written as the test.txt / valid.txt folder the sweeps read, and a second call reads that cache alone."""
    import datasets
    from mutransformers.sweep import data
    calls = []
    text = {name: (DATA / file).read_text().splitlines(keepends=True)
            for name, file in (("test", "test.txt"), ("validation", "valid.txt"), ("train", "valid.txt"))}

    def load_dataset(*args):
        calls.append(args)
        return datasets.DatasetDict({split: datasets.Dataset.from_dict({"text": rows}) for split, rows in text.items()})
    monkeypatch.setattr(datasets, "load_dataset", load_dataset)
    monkeypatch.setattr(data, "_hub_reachable", lambda: True)
    monkeypatch.setenv("MUTRANSFORMERS_CACHE", str(tmp_path))  # nothing loaded yet
    folder = data.resolve(None)
    assert calls == [data.WIKITEXT_2] and folder.name == "wikitext-2-raw-v1"
    assert (folder / "test.txt").read_text() == (DATA / "test.txt").read_text()  # row after row, as the raw file
    assert data.resolve(None) == folder and len(calls) == 1  # cached
    assert data.resolve(DATA) == DATA  # --data wins
    run = RunConfig(arch="gpt2", param="mup", width=32, log2_lr=-6, seed=0, base_width=32, **TINY)
    assert train_run(run, None)["eval_loss"] == train_run(run, DATA)["eval_loss"]


def test_without_data_and_offline_sweep_tune_and_train_fail_at_once_naming_data(monkeypatch, capsys, tmp_path):
    """The Hub unreachable (a closed local port stands in for no network) and nothing cached: a MuPError
    within seconds that names --data, not datasets' retries."""
    from huggingface_hub import constants
    from mutransformers import cli
    monkeypatch.setattr(constants, "ENDPOINT", "http://127.0.0.1:9")
    monkeypatch.setenv("MUTRANSFORMERS_CACHE", str(tmp_path / "cache"))  # nothing cached
    commands = [["sweep", "--widths", "32", "--log2-lrs", "-6", "--results", str(tmp_path / "r.jsonl")],
                ["tune", "--target", "mugpt2-small", "--proxy-width", "64", "--search", "log2_lr=-8:-6",
                 "--out", str(tmp_path / "tuned")],
                ["train", "--config", str(tmp_path / "hparams.json"), "--out", str(tmp_path / "trained")]]
    for argv in commands:
        start = time.perf_counter()
        with pytest.raises(SystemExit) as refused:
            cli.main(argv)
        err = capsys.readouterr().err
        assert refused.value.code == 2 and time.perf_counter() - start < 10, argv[0]
        assert "No --data given" in err and "cannot be reached" in err and "point --data at a local copy" in err


def test_a_results_row_records_the_commit_the_versions_and_the_device():
    import transformers
    record = train_run(RunConfig(arch="gpt2", param="mup", width=32, log2_lr=-6, seed=0, base_width=32, **TINY), DATA)
    head = subprocess.run(["git", "-C", str(Path(mt.__file__).parent), "rev-parse", "HEAD"], capture_output=True,
                          text=True).stdout.strip()
    assert record["git_commit"] is not None and record["git_commit"].split("+")[0] == head  # a checkout here
    assert record["versions"]["torch"] == torch.__version__
    assert record["versions"]["transformers"] == transformers.__version__ and record["versions"]["mup"] == "1.0.0"
    assert record["device_name"].startswith(record["device"])
    assert "git_commit" not in record["key"]  # provenance is not part of what the run is
