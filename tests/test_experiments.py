"""Each experiment's experiment.json replays its results file exactly: its parts describe every committed run and
nothing else, so `mutransformers sweep --config experiments/<id>/experiment.json` trains nothing on a complete
experiment and resumes a partial one."""
import json
from pathlib import Path

import pytest

import mutransformers as mt
from mutransformers import cli
from mutransformers.sweep import experiment, results

from corpus import DATA

EXPERIMENTS = Path(__file__).resolve().parents[1] / "experiments"
CONFIGS = sorted(EXPERIMENTS.glob("*/experiment.json"))


def _keys(argv_parts) -> set:
    parser = cli.build_parser()
    return {run.key() for part in argv_parts for run in cli.sweep_of(parser.parse_args(["sweep", *part])).runs()}


@pytest.mark.parametrize("config", CONFIGS, ids=[c.parent.name for c in CONFIGS])
def test_an_experiments_parts_are_exactly_its_committed_runs(config):
    results_file, parts = experiment.load(config)
    assert _keys(parts) == results.finished_keys(results_file)


def test_most_experiments_are_replayable():
    assert len(CONFIGS) >= 29


@pytest.mark.integration
def test_sweep_config_trains_what_is_missing_then_nothing(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("MUTRANSFORMERS_CACHE", str(tmp_path / "cache"))
    tiny = ["--archs", "gpt2", "--params", "mup", "--seeds", "0", "--steps", "2", "--batch-size", "2",
            "--seq-len", "16", "--vocab-size", "512"]
    config = tmp_path / "experiment.json"
    experiment.write(config, "two parts", [[*tiny, "--widths", "32", "--log2-lrs", "-7"],
                                           [*tiny, "--widths", "32", "64", "--log2-lrs", "-6"]])
    argv = ["sweep", "--config", str(config), "--data", str(DATA), "--workers", "1"]
    assert cli.main(argv) == 0
    out = capsys.readouterr().out
    assert "1 runs trained" in out and "2 runs trained" in out  # the parts in turn, --data/--workers in each
    assert len(results.load(tmp_path / "results.jsonl")) == 3  # beside the config
    assert cli.main(argv) == 0 and capsys.readouterr().out.count("0 runs trained") == 2


@pytest.mark.unit
def test_an_experiment_file_refuses_machine_options_and_says_what_it_holds(tmp_path):
    config = tmp_path / "experiment.json"
    experiment.write(config, "bad", [["--widths", "32", "--data", "/somewhere"]])
    with pytest.raises(mt.MuPError, match=r"a part names \['--data'\]; those belong on the command line"):
        experiment.load(config)
    config.write_text(json.dumps({"parts": []}))
    with pytest.raises(mt.MuPError, match="not an experiment file"):
        experiment.load(config)
