"""Presets: named configs with keyword overrides, committed base-shape files that match them."""
import filecmp
from pathlib import Path

import pytest
import torch
from transformers import AutoModelForCausalLM

import mutransformers as mt
from mutransformers.presets import PRESETS, has_base_shapes_file, write_base_shapes

COMMITTED = Path(__file__).resolve().parents[1] / "base_shapes"


def test_preset_with_overrides():
    config = mt.AutoConfig.from_pretrained("mugpt2-small", n_layer=6)
    assert type(config) is mt.MuGPT2Config and config.n_layer == 6 and config.n_embd == 768
    assert config.mup_base == {"n_embd": 256, "n_head": 4} and config.base_attn_mult() == 8.0
    assert mt.GPT2Config.from_pretrained("mugpt2-medium").n_layer == 24
    with torch.device("meta"):
        model = AutoModelForCausalLM.from_config(mt.AutoConfig.from_pretrained("mullama-1b", num_hidden_layers=1))
    assert type(model) is mt.MuLlamaForCausalLM


def test_unknown_preset_lists_the_available_ones():
    with pytest.raises(mt.MuPError, match="Unknown preset 'mugpt2-huge'. Available: .*mugpt2-small"):
        mt.AutoConfig.from_pretrained("mugpt2-huge")
    with pytest.raises(mt.MuPError, match="is a MuBertConfig preset"):
        mt.GPT2Config.from_pretrained("mubert-base")


def test_committed_base_shapes_match_the_presets(tmp_path):
    written = write_base_shapes(tmp_path)
    assert sorted(p.name for p in written) == sorted(p.name for p in COMMITTED.glob("*.bsh")) == \
        sorted(f"{name}.bsh" for name in PRESETS if has_base_shapes_file(name))
    for path in written:
        assert filecmp.cmp(path, COMMITTED / path.name, shallow=False), (
            f"{path.name} is stale: run `mutransformers presets --write-base-shapes base_shapes`")


@pytest.mark.parametrize("name, layers, base_depth", [("mugpt2-xl-completep", 48, 4), ("mullama-1b-completep", 16, 4)])
def test_completep_presets_declare_a_base_depth_and_have_no_bsh(name, layers, base_depth):
    config = mt.AutoConfig.from_pretrained(name)
    field = config.mup_depth_fields[0]
    assert getattr(config, field) == layers and config.mup_depth_base() == {field: base_depth}
    with torch.device("meta"):
        model = AutoModelForCausalLM.from_config(config)
    assert {m.branch_multiplier for m in model.modules() if hasattr(m, "branch_multiplier")} == {base_depth / layers}
    assert not has_base_shapes_file(name) and not (COMMITTED / f"{name}.bsh").exists()


def test_a_committed_file_rebuilds_the_preset_model(tmp_path):
    config = mt.AutoConfig.from_pretrained("mubert-mini", num_hidden_layers=4)
    via_file = mt.BertConfig(**{**config.to_dict(), "mup_base": None,
                                "mup_base_shapes": str(COMMITTED / "mubert-mini.bsh"), "attn_mult": 8.0})
    with torch.device("meta"):
        a, b = mt.BertModel(config), mt.BertModel(via_file)
    assert [p.infshape for p in a.parameters()] == [p.infshape for p in b.parameters()]


def test_the_core_imports_nothing_built_on_it():
    """Layering: models -> core. The core may import only itself, the errors and third-party code;
    presets (and target resolution) register with it instead (core.config.register_config_names)."""
    import ast
    core = Path(mt.__file__).parent / "core"
    above = []
    for path in core.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.level >= 2:  # from ..x import y: outside the core
                above.append(f"{path.name}: from {'.' * node.level}{node.module or ''}")
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                names = [a.name for a in node.names] + [getattr(node, "module", None) or ""]
                above += [f"{path.name}: {n}" for n in names if n.startswith("mutransformers")]
    assert not above, above
