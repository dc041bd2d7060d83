"""μTransfer on a user's own model and data: targets, the proxy, corpora, `tune` and `train`."""
import json
import warnings

import pytest
import torch

import mutransformers as mt
from mutransformers import targets
from mutransformers.cli import main
from mutransformers.sweep import check_one_sweep, load
from mutransformers.sweep.corpus import Corpus
from mutransformers.sweep.train import RunConfig, train_run
from mutransformers.train_target import train_target
from mutransformers.tune import Tune, best_on_edge, parse_space

from corpus import DATA as WIKI
TINY_GPT2 = {"model_type": "gpt2", "n_embd": 128, "n_head": 4, "n_layer": 2, "n_positions": 64, "vocab_size": 512,
             "resid_pdrop": 0.0, "embd_pdrop": 0.0, "attn_pdrop": 0.0, "bos_token_id": 0, "eos_token_id": 0}
TRIAL = {"steps": 8, "batch_size": 4, "seq_len": 32, "eval_batches": 2}


@pytest.fixture(autouse=True)
def _cache(tmp_path_factory, monkeypatch):
    monkeypatch.setenv("MUTRANSFORMERS_CACHE", str(tmp_path_factory.getbasetemp() / "cache"))


@pytest.fixture(scope="module")
def text_folder(tmp_path_factory):
    folder = tmp_path_factory.mktemp("text")
    lines = (WIKI / "test.txt").read_text(encoding="utf-8").splitlines()
    for i in range(3):  # three documents of the user's own
        (folder / f"doc{i}.txt").write_text("\n".join(lines[i * 800:(i + 1) * 800]), encoding="utf-8")
    return folder


@pytest.fixture
def target_json(tmp_path):
    path = tmp_path / "target.json"
    path.write_text(json.dumps(TINY_GPT2))
    return path


# -- the target and its proxy ---------------------------------------------------------------------

@pytest.mark.parametrize("preset, proxy_width", [("mugpt2-small", 256), ("mullama-1b", 512), ("mut5-small", 128),
                                                 ("mubert-base", 192), ("mullama-tiny", 128),
                                                 ("mullama-1b", 256)])
def test_the_proxy_is_exactly_the_targets_mup_base(preset, proxy_width):
    """The defining property: every parameter's base dims in the target are the proxy's own shape."""
    proxy, target = targets.derive_proxy(targets.load_target(preset), proxy_width)
    assert targets.width_of(proxy) == proxy_width and proxy.mup_base is None
    assert proxy.mup_head_dim() == target.mup_head_dim()  # the head dim is kept
    with torch.device("meta"):
        proxy_model = targets.training_class(proxy)(proxy)
        target_model = targets.training_class(target)(target)
    proxy_shapes = {n: tuple(p.shape) for n, p in proxy_model.named_parameters()}
    for name, p in target_model.named_parameters():
        base = tuple(d.base_dim if d.base_dim is not None else d.dim for d in p.infshape)
        assert base == proxy_shapes[name], name
    assert any(p.infshape.width_mult() > 1 for p in target_model.parameters())


@pytest.mark.parametrize("preset, proxy_width, proxy_layers", [("mugpt2-small", 256, 2), ("mullama-1b", 512, 4),
                                                               ("mut5-small", 128, 2)])
def test_a_shallower_proxy_is_the_targets_base_depth_with_completep(preset, proxy_width, proxy_layers):
    proxy, target = targets.derive_proxy(targets.load_target(preset), proxy_width, proxy_layers)
    field = targets.layers_field(target)
    assert target.mup_base[field] == proxy_layers and target.depth_alpha is None  # None: CompleteP's 1.0
    assert getattr(proxy, field) == proxy_layers and proxy.mup_base is None and proxy.depth_alpha is None
    if preset == "mut5-small":  # the decoder stack follows the encoder's
        assert proxy.num_decoder_layers == proxy_layers
        assert target.mup_depth_base() == {"num_layers": 2, "num_decoder_layers": 2}
    with torch.device("meta"):
        model = targets.training_class(target)(target)
    multipliers = {m.branch_multiplier for m in model.modules() if hasattr(m, "branch_multiplier")}
    assert multipliers == {proxy_layers / getattr(target, field)}  # every branch x (L / L_base)^-1
    _, half = targets.derive_proxy(targets.load_target(preset), proxy_width, proxy_layers, depth_alpha=0.5)
    assert half.depth_alpha == 0.5


def test_a_target_that_declares_its_base_depth_gets_a_proxy_of_that_depth_and_post_ln_is_warned():
    declared = targets.load_target("mugpt2-small")
    declared.mup_base = {"n_embd": 256, "n_head": 4, "n_layer": 3}
    proxy, target = targets.derive_proxy(declared, 256)
    assert proxy.n_layer == 3 and target.mup_base["n_layer"] == 3
    same, plain = targets.derive_proxy(targets.load_target("mugpt2-small"), 256, proxy_layers=12)
    assert "n_layer" not in plain.mup_base and same.n_layer == 12  # the target's own depth: width-only muP
    with pytest.raises(mt.MuPError, match="depth_alpha=0.5 needs a proxy shallower"):
        targets.derive_proxy(targets.load_target("mugpt2-small"), 256, depth_alpha=0.5)
    with pytest.warns(UserWarning, match=r"BERT is post-LN .* \(muP transfers across width only here\)"):
        proxy, target = targets.derive_proxy(targets.load_target("mubert-base"), 192, proxy_layers=2)
    assert proxy.num_hidden_layers == 2 and "num_hidden_layers" not in target.mup_base


def test_a_plain_transformers_config_is_a_target(target_json):
    config = targets.load_target(str(target_json))
    assert isinstance(config, mt.MuGPT2Config) and config.n_embd == 128 and config.mup_base is None
    (target_json.parent / "config.json").write_text(target_json.read_text())
    assert targets.load_target(str(target_json.parent)).n_embd == 128


@pytest.mark.parametrize("spec, width, message", [
    ("mugpt2-small", 100, "not a valid base"),
    ("mullama-1b", 64, "4 query heads per key/value head"),
    ("mugpt2-small", 1024, "at most the target's width"),
])
def test_a_proxy_width_that_is_no_valid_base_is_refused(spec, width, message):
    with pytest.raises(mt.MuPError, match=message):
        targets.derive_proxy(targets.load_target(spec), width)


def test_unknown_targets_are_refused(tmp_path):
    with pytest.raises(mt.MuPError, match="neither a preset nor a config.json"):
        targets.load_target(str(tmp_path / "nothing.json"))
    (tmp_path / "c.json").write_text(json.dumps({"model_type": "whisper"}))
    with pytest.raises(mt.MuPError, match="model_type 'whisper'; supported"):
        targets.load_target(str(tmp_path / "c.json"))


# -- the search space -------------------------------------------------------------------------------

def test_search_space_ranges_grid_in_lr_steps_and_factors_of_two():
    space = parse_space(["log2_lr=-12:-4", "output_mult=0.25:4", "init_std=0.01,0.02"])
    assert space["log2_lr"].grid() == [float(v) for v in range(-12, -3)]
    assert space["output_mult"].grid() == [0.25, 0.5, 1.0, 2.0, 4.0]
    assert space["init_std"].grid() == [0.01, 0.02]


@pytest.mark.parametrize("texts, message", [
    (["log2_lr=-12:-4", "depth_mult=1:2"], "unknown hyperparameter 'depth_mult'"),
    (["output_mult=0.5:2"], "must include the learning rate"),
    (["log2_lr=-4:-12"], "LOW below HIGH"),
    (["log2_lr=-12:-4", "output_mult=0:2"], "must be positive"),
    (["log2_lr"], "write HP=LOW:HIGH"),
    (["log2_lr=a:b"], "must be numbers"),
])
def test_bad_search_spaces_are_named(texts, message):
    with pytest.raises(mt.MuPError, match=message):
        parse_space(texts)


# -- the user's data ---------------------------------------------------------------------------------

def test_txt_folder_jsonl_and_saved_dataset_give_tokens_and_a_held_out_split(text_folder, tmp_path):
    txt = Corpus(str(text_folder), vocab_size=512, eval_fraction=0.1)
    train, held_out = txt.token_ids()
    assert len(held_out) == pytest.approx(0.1 * (len(train) + len(held_out)), abs=1)
    assert txt.describe()["split"] == "last 0.1 of the token stream held out"

    docs = [p.read_text(encoding="utf-8") for p in sorted(text_folder.glob("*.txt"))]
    jsonl = tmp_path / "docs.jsonl"
    jsonl.write_text("\n".join(json.dumps({"body": d, "id": i}) for i, d in enumerate(docs)))
    from_jsonl = Corpus(str(jsonl), text_field="body", vocab_size=512, eval_fraction=0.1)
    assert from_jsonl.texts()[0] == docs

    import datasets
    saved = tmp_path / "saved"
    datasets.DatasetDict({"train": datasets.Dataset.from_dict({"text": docs[:2]}),
                          "validation": datasets.Dataset.from_dict({"text": docs[2:]})}).save_to_disk(str(saved))
    from_disk = Corpus(str(saved), vocab_size=512)
    assert from_disk.texts() == (docs[:2], docs[2:])
    assert from_disk.describe()["split"] == "train/held-out files"
    assert from_disk.unigram_loss() > 3.0


def test_bad_data_is_named(text_folder, tmp_path):
    (tmp_path / "empty.txt").write_text("  \n")
    with pytest.raises(mt.MuPError, match="the text is empty"):
        Corpus(str(tmp_path / "empty.txt")).token_ids()
    jsonl = tmp_path / "d.jsonl"
    jsonl.write_text(json.dumps({"text": "a b c"}) + "\n" + json.dumps({"body": "d e f"}) + "\n")
    with pytest.raises(mt.MuPError, match=r"line 2 has no field 'text' \(it has \['body'\]\)"):
        Corpus(str(jsonl)).texts()
    (tmp_path / "bad.txt").write_bytes(b"\xff\xfe\x00bad")
    with pytest.raises(mt.MuPError, match="cannot read .* as UTF-8"):
        Corpus(str(tmp_path / "bad.txt")).texts()
    with pytest.raises(mt.MuPError, match="no such file or folder"):
        Corpus(str(tmp_path / "missing"))
    with pytest.raises(mt.MuPError, match="tokenizer has .* tokens but the target's vocab_size is 256"):
        Corpus(str(text_folder), vocab_size=512).check_fits(256, masked=False)


def test_the_users_own_tokenizer(text_folder, tmp_path):
    from tokenizers import ByteLevelBPETokenizer
    from transformers import PreTrainedTokenizerFast
    bpe = ByteLevelBPETokenizer()
    bpe.train([str(p) for p in sorted(text_folder.glob("*.txt"))], vocab_size=300, special_tokens=["<pad>", "<mask>"])
    tokenizer = PreTrainedTokenizerFast(tokenizer_object=bpe, pad_token="<pad>", mask_token="<mask>")
    tokenizer.save_pretrained(str(tmp_path / "tok"))
    corpus = Corpus(str(text_folder), tokenizer=str(tmp_path / "tok"))
    train, _ = corpus.token_ids()
    assert int(train.max()) < 300 and corpus.mask_id == tokenizer.mask_token_id
    corpus.check_fits(512, masked=True)
    with pytest.raises(mt.MuPError, match="AutoTokenizer cannot load it"):
        Corpus(str(text_folder), tokenizer=str(tmp_path)).load_tokenizer()


# -- tune and train ----------------------------------------------------------------------------------

def _tune(target_json, text_folder, out, **kw):
    return Tune(target=str(target_json), proxy_width=64, corpus=Corpus(str(text_folder), vocab_size=512),
                space=parse_space(kw.pop("search", ["log2_lr=-8:-6", "output_mult=0.5,2"])), out=str(out),
                run_fields=TRIAL, **kw)


def _warnings_setting_up(target, text_folder, tmp_path, search, phrase) -> list[str]:
    """The warnings containing ``phrase`` that setting up a search of ``target`` gives."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        _tune(target, text_folder, tmp_path / "tuned", search=search)
    return [str(w.message) for w in caught if phrase in str(w.message)]


@pytest.mark.parametrize("fields, search, warned", [
    ({"tie_word_embeddings": False}, ["log2_lr=-8:-6", "attn_mult=0.5,2"], True),
    ({"tie_word_embeddings": False, "readout_zero_init": True}, ["log2_lr=-8:-6", "attn_mult=0.5,2"], False),
    ({}, ["log2_lr=-8:-6", "attn_mult=0.5,2"], False),  # GPT-2 ties its readout by default
    ({"tie_word_embeddings": False}, ["log2_lr=-8:-6", "output_mult=0.5,2"], False),
    ({"tie_word_embeddings": False}, ["log2_lr=-8:-6", "input_mult=0.5,2"], "input_mult"),
    ({"tie_word_embeddings": False}, ["log2_lr=-8:-6", "attn_mult=0.5,2", "input_mult=1,2"], "attn_mult and input_mult")])
def test_searching_a_drifting_multiplier_under_an_untied_random_readout_is_warned(text_folder, tmp_path, fields,
                                                                                   search, warned):
    """Measured (experiments/llama_ablation/, experiments/hp_transfer_llama_tied/): an untied, randomly drawn readout makes the
    optima of attn_mult and input_mult drift with width; tied, they hold."""
    target = tmp_path / "target.json"
    target.write_text(json.dumps({**TINY_GPT2, **fields}))
    drift = _warnings_setting_up(target, text_folder, tmp_path, search, "untied and randomly initialized")
    assert len(drift) == (1 if warned else 0)
    if warned:
        names = "attn_mult" if warned is True else warned
        assert f"--search {names} on a target" in drift[0]
        assert f"Set tie_word_embeddings=true in the target, or leave {names} out" in drift[0]


def test_grid_tune_writes_hparams_the_target_and_a_report_and_resumes(target_json, text_folder, tmp_path):
    tune = _tune(target_json, text_folder, tmp_path / "tuned")
    assert tune.run(workers=2, progress=False) == 6
    with pytest.warns(UserWarning, match=r"The best output_mult \(.*\) is the (low|high)est value searched"):
        record = tune.write()
    records = load(tmp_path / "tuned" / "trials.jsonl")
    assert len(records) == 6 and len({r["key"] for r in records}) == 6
    check_one_sweep(records)  # the sweeps' results format
    best = min(records, key=lambda r: r["eval_loss"])
    assert record["hparams"]["log2_lr"] == best["log2_lr"] and record["hparams"]["output_mult"] == best["output_mult"]
    assert record["best_eval_loss"] == pytest.approx(best["eval_loss"])
    tuned = targets.load_target(str(tmp_path / "tuned" / "target"))
    assert tuned.mup_base == {"n_embd": 64, "n_head": 2} and tuned.output_mult == best["output_mult"]
    assert record["proxy"]["parameters"] < record["target"]["parameters"]
    assert record["search"]["proxy_flops"] == pytest.approx(
        6 * 6 * record["proxy"]["parameters"] * TRIAL["steps"] * TRIAL["batch_size"] * TRIAL["seq_len"])
    report = json.loads((tmp_path / "tuned" / "report.json").read_text())
    assert [n["value"] for n in report["neighbourhood"]["log2_lr"]] == [-8.0, -7.0, -6.0]
    assert record["search"]["best_on_edge"] == best_on_edge(tune.trials_table(), tune.best(), tune.space)
    assert record["search"]["best_on_edge"]["output_mult"] in ("lowest", "highest")  # two values: always an edge
    assert (tmp_path / "tuned" / "report.png").stat().st_size > 10_000
    assert _tune(target_json, text_folder, tmp_path / "tuned").run(workers=2, progress=False) == 0  # resumes


def test_tpe_tune_runs_exactly_the_trials_asked_for(target_json, text_folder, tmp_path):
    tune = _tune(target_json, text_folder, tmp_path / "tpe", sampler="tpe", trials=5, seeds=[0, 1],
                 search=["log2_lr=-9:-5", "init_std=0.01:0.1"])
    tune.run(workers=2, progress=False)
    table = tune.trials_table()
    assert len(table) == 5 and all(t["seeds"] == [0, 1] for t in table)
    assert all(-9 <= t["hparams"]["log2_lr"] <= -5 and 0.01 <= t["hparams"]["init_std"] <= 0.1 for t in table)
    record = tune.write()
    assert targets.load_target(str(tmp_path / "tpe" / "target")).initializer_range == record["hparams"]["init_std"]


def _trial(log2_lr, input_mult, loss, complete=True):
    return {"hparams": {"log2_lr": log2_lr, "input_mult": input_mult}, "eval_loss": loss, "complete": complete}


def test_a_best_value_on_the_searchs_edge_is_named():
    """Our joint LR x input_mult sweep first found GPT-2's best LR on its grid's top value (2^-6); 2^-5 then
    bracketed it. tune names such an edge instead of writing the value as if it were the optimum."""
    space = parse_space(["log2_lr=-8:-6", "input_mult=1,2,4"])
    trials = [_trial(lr, m, 5.0 - 0.1 * (lr + 8) - (0.1 if m == 2 else 0)) for lr in (-8, -7, -6) for m in (1, 2, 4)]
    best = min(trials, key=lambda t: t["eval_loss"])
    assert best_on_edge(trials, best, space) == {"log2_lr": "highest"}  # input_mult's x2 is bracketed
    lowest = _trial(-8, 1, 4.0)
    assert best_on_edge(trials + [lowest], lowest, space) == {"log2_lr": "lowest", "input_mult": "lowest"}
    unfinished = _trial(-5, 2, 9.0, complete=False)  # a trial still running does not widen what was tried
    assert best_on_edge(trials + [unfinished], best, space) == {"log2_lr": "highest"}
    assert best_on_edge(trials[:3], trials[0], parse_space(["log2_lr=-8", "input_mult=1,2,4"])) == {
        "input_mult": "lowest"}  # one LR: nothing searched, no edge


@pytest.mark.parametrize("search, warned", [
    (["log2_lr=-7", "input_mult=1,2,4"], True),
    (["log2_lr=-7,-7", "input_mult=1,2,4"], True),
    (["log2_lr=-8,-7", "input_mult=1,2,4"], False),
    (["log2_lr=-7.5:-6.5", "input_mult=1,2,4"], False),  # TPE searches the range
    (["log2_lr=-7", "output_mult=1,2,4"], False)])
def test_searching_input_mult_at_one_lr_is_warned(target_json, text_folder, tmp_path, search, warned):
    """Measured (experiments/gpt2_ablation/input_mult_*_lr.*): input_mult's optimum rises with the LR and, at a fixed LR,
    falls with width, the more the lower the LR."""
    at_one_lr = _warnings_setting_up(target_json, text_folder, tmp_path, search, "input_mult at one learning rate")
    assert len(at_one_lr) == (1 if warned else 0)
    if warned:
        assert "(log2_lr=-7)" in at_one_lr[0] and "Search log2_lr over a range" in at_one_lr[0]


def test_train_runs_the_target_as_the_proxy_trials_ran_and_resumes(target_json, text_folder, tmp_path):
    tune = _tune(target_json, text_folder, tmp_path / "tuned", search=["log2_lr=-9,-8"])  # no loss spikes
    tune.run(workers=1, progress=False)
    written = tune.write()
    hparams, provenance = written["hparams"], written["provenance"]
    assert provenance["versions"]["torch"] == torch.__version__ and provenance["git_commit"]  # as results rows
    assert provenance["device_name"].startswith("cuda" if torch.cuda.is_available() else "cpu")
    corpus = Corpus(str(text_folder), vocab_size=512)
    summary = train_target(tmp_path / "tuned", corpus, tmp_path / "run", steps=10, save_steps=4, device="cpu")
    # the same protocol as a sweep run of the target (the experiment compares them)
    direct = train_run(RunConfig(arch="gpt2", param="mup", width=128, base_width=128, seed=0,
                                 log2_lr=hparams["log2_lr"], init_std=hparams["init_std"],
                                 model=str(tmp_path / "tuned" / "target" / "config.json"),
                                 **{**TRIAL, "steps": 10}), corpus, threads=torch.get_num_threads())
    # equal up to float rounding (Trainer sums the loss over tokens and divides once; measured 2e-4 after
    # 10 steps); a different LR, init or schedule moves it by > 0.01 at this size
    assert summary["eval_loss"] == pytest.approx(direct["eval_loss"], abs=1e-3)
    assert summary["hparams_file"] == str((tmp_path / "tuned" / "hparams.json").resolve())
    assert len(summary["hparams_sha256"]) == 64
    model = mt.MuGPT2LMHeadModel.from_pretrained(str(tmp_path / "run"))  # muP kept
    assert model.config.mup_base == {"n_embd": 64, "n_head": 2}
    # a run cut after its first checkpoint resumes from it and ends where the uncut run ended
    import shutil
    for extra in ["checkpoint-8", "checkpoint-10", "model.safetensors", "train_summary.json"]:
        shutil.rmtree(tmp_path / "run" / extra, ignore_errors=True)
        (tmp_path / "run" / extra).unlink(missing_ok=True)
    resumed = train_target(tmp_path / "tuned", corpus, tmp_path / "run", steps=10, save_steps=4, device="cpu")
    assert resumed["resumed_from"] == "checkpoint-4"
    assert resumed["eval_loss"] == pytest.approx(summary["eval_loss"], abs=1e-5)


def test_cli_tune_then_train(target_json, text_folder, tmp_path, capsys):
    out = tmp_path / "tuned"
    assert main(["tune", "--target", str(target_json), "--proxy-width", "64", "--data", str(text_folder),
                 "--vocab-size", "512", "--search", "log2_lr=-7,-6", "--steps", "6", "--batch-size", "4",
                 "--seq-len", "32", "--workers", "1", "--out", str(out)]) == 0
    assert "best held-out loss" in capsys.readouterr().out
    assert main(["train", "--config", str(out), "--data", str(text_folder), "--vocab-size", "512", "--steps", "4",
                 "--device", "cpu", "--out", str(tmp_path / "run")]) == 0
    assert json.loads((tmp_path / "run" / "train_summary.json").read_text())["steps"] == 4
    with pytest.raises(SystemExit) as error:
        main(["tune", "--target", "mugpt2-small", "--proxy-width", "100", "--data", str(text_folder),
              "--search", "log2_lr=-8:-6", "--out", str(tmp_path / "x")])
    assert error.value.code == 2 and "not a valid base" in capsys.readouterr().err


def test_a_shallower_proxy_tunes_and_the_target_trains_with_completep(target_json, text_folder, tmp_path):
    tune = _tune(target_json, text_folder, tmp_path / "tuned", search=["log2_lr=-8"], proxy_layers=1)
    assert tune.proxy_config.n_layer == 1 and tune.based_target.mup_base["n_layer"] == 1
    tune.run(workers=1, progress=False)
    record = tune.write()
    assert record["proxy"]["layers"] == 1 and record["target"]["mup_base"]["n_layer"] == 1
    corpus = Corpus(str(text_folder), vocab_size=512)
    summary = train_target(tmp_path / "tuned", corpus, tmp_path / "run", steps=4, save_steps=4, device="cpu")
    direct = train_run(RunConfig(arch="gpt2", param="mup", width=128, base_width=128, seed=0, log2_lr=-8,
                                 init_std=record["hparams"]["init_std"],
                                 model=str(tmp_path / "tuned" / "target" / "config.json"), **{**TRIAL, "steps": 4}),
                       corpus, threads=torch.get_num_threads())
    assert summary["eval_loss"] == pytest.approx(direct["eval_loss"], abs=1e-3)
    model = mt.MuGPT2LMHeadModel.from_pretrained(str(tmp_path / "run"))  # CompleteP kept
    assert model.config.mup_depth_base() == {"n_layer": 1}
    assert {m.branch_multiplier for m in model.modules() if hasattr(m, "branch_multiplier")} == {0.5}


def test_every_architecture_has_a_training_head_among_its_auto_classes():
    from mutransformers.auto import ARCHITECTURES
    from mutransformers.targets import TRAINING_CLASS
    assert set(TRAINING_CLASS) == set(ARCHITECTURES)
    assert all(TRAINING_CLASS[t] in package.AUTO_CLASSES for t, package in ARCHITECTURES.items())
