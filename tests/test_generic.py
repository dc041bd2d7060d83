"""The generic path (generic.py) and its gate, `check-arch` (checks.py): undeclared Llama-shaped decoders."""
import json

import pytest
import torch
import transformers

import mutransformers as mt
from mutransformers import checks, generic
from mutransformers.cli import main as cli_main

from cases import documentation


@pytest.fixture
def stores(tmp_path, monkeypatch):
    """Empty verification stores: nothing shipped, nothing recorded by the user."""
    monkeypatch.setenv("MUTRANSFORMERS_HOME", str(tmp_path / "home"))
    monkeypatch.setattr(generic, "SHIPPED", tmp_path / "shipped.json")
    yield tmp_path


def test_an_unverified_architecture_is_refused_with_check_arch_named(stores):
    with pytest.raises(mt.MuPError, match=r"run `mutransformers check-arch helium`.*never falls back"):
        generic.generic_classes("helium")
    with pytest.raises(mt.MuPError, match=r"declared by mutransformers"):
        generic.generic_classes("llama", verified_only=False)
    with pytest.raises(mt.MuPError, match=r"has no model type 'no_such_model'"):
        generic.generic_classes("no_such_model", verified_only=False)


def test_a_recorded_failure_is_refused_with_the_failed_check_named(stores):
    shipped = json.loads((generic.Path(generic.__file__).with_name("generic_verified.json")).read_text())["granite"]
    generic.record_verification("granite", {**shipped, "transformers": transformers.__version__})
    with pytest.raises(mt.MuPError, match=r"'granite' failed check-arch .*kernel_reads_mup_scaling.*kernel got "
                                          r"\[0.70711\].*needs a declaration of its own"):
        generic.generic_classes("granite")


def test_a_record_from_another_transformers_version_does_not_count(stores):
    generic.record_verification("helium", {"transformers": "4.0.0", "passed": True, "checks": {}})
    with pytest.raises(mt.MuPError, match=r"check-arch helium"):
        generic.generic_classes("helium")


def test_the_battery_without_the_coordinate_check_passes_helium_and_names_each_check():
    mu_class, sp_class = checks._models("helium")
    for check in checks.CHECKS[:-1]:
        passed, detail = check(mu_class, sp_class)
        assert passed, (check.__name__, detail)
    model = mu_class(checks._config(mu_class, 64, 32))
    assert type(model).__name__ == "MuHeliumForCausalLM" and isinstance(model.lm_head, mt.core.layers.MuReadout)
    with pytest.raises(mt.MuPError, match=r"generic path has no depth rules"):
        mu_class.config_class(**checks.tiny_config_fields(mu_class.config_class, 64),
                              mup_base={"hidden_size": 32, "num_hidden_layers": 1})


def test_a_width_dependent_embedding_scale_fails_the_coordinate_check():
    """Gemma 2 multiplies its embeddings by sqrt(hidden_size): built the Llama way, muP's embedding output grows
    like width^0.5, and the battery's coordinate check refuses it."""
    mu_class, sp_class = checks._models("gemma2")
    passed, detail = checks.check_coordinates(mu_class, sp_class, "gemma2")
    assert not passed and "muP: FAIL" in detail and "model.embed_tokens at step" in detail, detail
    assert float(detail.split("model.embed_tokens at step")[1].split("slope")[1].split(";")[0]) > 0.4


def test_a_router_held_as_a_bare_parameter_is_not_a_readout_and_fails_the_build_check():
    """Mixtral's router maps the width to the expert count through its own parameter, not an nn.Linear: it would
    train as an input weight with no 1/width_mult. The coordinate check does not see it (the MoE output stays
    flat: measured +0.24 over widths 64-512); the build check does."""
    passed, detail = checks.check_build(*checks._models("mixtral"))
    assert not passed and "mlp.gate.weight (width -> 8, not a MuReadout)" in detail, detail


@pytest.mark.slow
def test_check_arch_records_a_pass_and_the_generic_path_then_builds_and_registers_it(stores, capsys):
    assert cli_main(["check-arch", "helium", "--json", str(stores / "helium.json")]) == 0
    out = capsys.readouterr().out
    assert "PASS  coordinates" in out and "helium: PASS" in out
    record = json.loads((stores / "helium.json").read_text())["helium"]
    assert record["passed"] and record["transformers"] == transformers.__version__ and len(record["checks"]) == 8
    classes = generic.register("helium")
    config = classes["AutoModel"].config_class(**checks.tiny_config_fields(classes["AutoModel"].config_class, 64),
                                               mup_base={"hidden_size": 32, "intermediate_size": 128})
    model = transformers.AutoModelForCausalLM.from_config(config)
    assert type(model) is classes["AutoModelForCausalLM"]
    optimizer = mt.MuAdamW(model.parameters(), lr=1e-2)
    q_proj = model.model.layers[0].self_attn.q_proj.weight
    assert next(g["lr"] for g in optimizer.param_groups if any(p is q_proj for p in g["params"])) == 5e-3
    assert torch.isfinite(model(torch.tensor([[1, 2, 3]]), labels=torch.tensor([[1, 2, 3]])).loss)
    sp_model = transformers.HeliumForCausalLM(transformers.HeliumConfig(**checks.tiny_config_fields(
        transformers.HeliumConfig, 32)))
    assert type(mt.from_sp(sp_model)) is classes["AutoModelForCausalLM"]  # from_sp finds the generic class


def test_the_readme_lists_every_family_tried_with_its_recorded_result():
    records = json.loads(generic.SHIPPED.read_text())
    readme = documentation()
    assert len(records) >= 10 and {"granite", "gemma2", "mixtral"} <= set(records)
    for model_type, record in records.items():
        row = next(line for line in readme.splitlines() if line.startswith(f"| `{model_type}` |"))
        if record["passed"]:
            assert all(c["passed"] for c in record["checks"].values()) and len(record["checks"]) == 8
            detail = record["checks"]["coordinates"]["detail"]
            slope, pair = detail.split("largest slope ")[1].split(",")[0], detail.split("lr 2e-2: ")[1].split(" ")[0]
            assert f"| PASS | {slope}; {pair} |" in row and float(pair) > 0.35, model_type
        else:
            failed = [k for k, c in record["checks"].items() if not c["passed"] and "not run" not in c["detail"]]
            assert failed and f"refused ({', '.join(failed)})" in row, model_type
