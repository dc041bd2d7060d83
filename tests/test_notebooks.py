"""The notebooks run top to bottom (small widths), so they cannot rot."""
from pathlib import Path

import nbformat
from nbclient import NotebookClient

from corpus import DATA

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"


def run_notebook(name: str) -> str:
    """Executes a notebook in its folder (the kernel inherits os.environ); returns its printed text."""
    notebook = nbformat.read(NOTEBOOKS / name, as_version=4)
    NotebookClient(notebook, timeout=600, kernel_name="python3",
                   resources={"metadata": {"path": str(NOTEBOOKS)}}).execute()
    return "\n".join(out.get("text", "") for cell in notebook.cells if cell.cell_type == "code"
                     for out in cell.get("outputs", []))


def test_coord_check_notebook(monkeypatch):
    monkeypatch.setenv("COORD_WIDTHS", "64 128 256")
    monkeypatch.setenv("COORD_STEPS", "3")
    monkeypatch.setenv("COORD_ARCHS", "gpt2 bert")  # every architecture: tests/test_coord_check.py
    text = run_notebook("CoordCheck.ipynb")
    assert "gpt2 mup: PASS" in text and "bert mup: PASS" in text
    assert "gpt2 sp: FAIL" in text and "gpt2 mup_linear_readout: FAIL" in text


def test_lr_transfer_notebook(monkeypatch, tmp_path):
    monkeypatch.setenv("LRT_STEPS", "8")
    monkeypatch.setenv("LRT_WIDTHS", "32 64")
    monkeypatch.setenv("MUTRANSFORMERS_CACHE", str(tmp_path))
    monkeypatch.setenv("LRT_DATA", str(DATA))
    text = run_notebook("LRTransfer.ipynb")
    assert "16 runs" in text and "gpt2 mup" in text and "shift" in text
