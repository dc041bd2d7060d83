"""The documentation site builds with `mkdocs build --strict` (a broken link, a missing page or a page left out of
the navigation fails it), and the README stays the short front page it is meant to be."""
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")


@pytest.mark.slow
def test_the_site_builds_strictly_with_a_page_per_experiment_and_the_generated_references(tmp_path):
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1", "DISABLE_MKDOCS_2_WARNING": "true"}  # notices, not warnings
    built = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(tmp_path)],
                           cwd=ROOT, env=env, capture_output=True, text=True)
    assert built.returncode == 0, built.stderr[-3000:]
    for folder in (p for p in (ROOT / "experiments").iterdir() if p.is_dir()):
        assert (tmp_path / "experiments" / folder.name / "index.html").exists(), folder.name
    cli = (tmp_path / "reference" / "cli" / "index.html").read_text()
    assert all(f"mutransformers {command}" in cli for command in ("coord-check", "sweep", "tune", "train"))
    assert "MuAdamW" in (tmp_path / "reference" / "api" / "index.html").read_text()  # from the docstrings
    glance = (tmp_path / "evidence" / "index.html").read_text()
    assert "lr_transfer_gpt2/results.jsonl" in glance  # the README's table, included


def test_the_front_page_is_short_and_its_first_block_holds_the_two_commands():
    assert len(README.splitlines()) <= 300
    block = README.split("```bash", 1)[1].split("```", 1)[0]
    commands = [line for line in block.splitlines() if line.strip() and not line.startswith("#")]
    assert len(commands) == 2 and commands[0].startswith("bash scripts/install.sh") and "pytest" in commands[1]


def test_ci_runs_exactly_the_front_pages_two_commands():
    block = README.split("```bash", 1)[1].split("```", 1)[0]
    commands = [line for line in block.splitlines() if line.strip() and not line.startswith("#")]
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    assert ci[-2:] == commands


def test_every_link_of_the_front_page_reaches_a_file_of_the_repository():
    for target in re.findall(r"\]\((?!https?:)([^)#]+)", README):
        assert (ROOT / target).exists(), target


def test_nothing_the_repository_runs_reads_the_shared_folder_beside_it():
    """A clone with nothing beside it must work: tests, notebooks and the library never name ../shared (the
    experiments' commands in the docs may, with --data)."""
    for path in [*ROOT.glob("tests/*.py"), *ROOT.glob("notebooks/*.ipynb"), *ROOT.rglob("mutransformers/**/*.py")]:
        if path.name != "test_docs.py":
            assert "shared/data" not in path.read_text(encoding="utf-8"), path
