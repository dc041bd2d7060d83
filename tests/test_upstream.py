"""Pins the transformers code we override or rely on, and checks the `diff` command."""
import json
from pathlib import Path

import pytest

from mutransformers import upstream_diff
from mutransformers.cli import main as cli_main

PINNED = Path(__file__).with_name("upstream_fingerprints.json")


def test_upstream_code_we_depend_on_has_not_moved():
    pinned = json.loads(PINNED.read_text())
    current = upstream_diff.fingerprints()
    moved = sorted(name for name in pinned if current.get(name) != pinned[name])
    new = sorted(set(current) - set(pinned))
    assert not moved and not new, (
        f"transformers changed upstream code our muP classes override or rely on: {moved}; "
        f"newly overridden: {new}. Read each against our override with `mutransformers diff <arch>`, "
        "fix what no longer holds, then re-pin: mutransformers diff --fingerprints tests/upstream_fingerprints.json")


def test_fingerprints_cover_each_override_and_attention_init():
    current = upstream_diff.fingerprints()
    for arch in upstream_diff.ARCH_NAMES:
        for override in upstream_diff.overrides(arch):
            assert f"{override.upstream.__module__}.{override.upstream.__qualname__}" in current
    assert "transformers.models.bert.modeling_bert.BertSelfAttention.__init__" in current
    assert "transformers.models.t5.modeling_t5.T5ForConditionalGeneration.forward" in current


@pytest.mark.parametrize("arch", sorted(upstream_diff.ARCH_NAMES))
def test_diff_command_writes_originals_and_shows_overrides(arch, tmp_path, capsys):
    assert cli_main(["diff", arch, "--out", str(tmp_path)]) == 0
    assert (tmp_path / f"_original_modeling_{arch}.py").stat().st_size > 1000
    assert (tmp_path / f"_original_configuration_{arch}.py").exists()
    text = capsys.readouterr().out
    assert "### muP" in text and "REPLACES  PreTrainedModel.post_init" in text
    assert "_init_weights" in text
