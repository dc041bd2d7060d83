"""Every claim an experiment's claims.py makes, recomputed from its committed results: each verdict (a claim made
in words) holds, and each number the documentation quotes computes (the pages print them from there, so a number
is stored once, in the results)."""
from pathlib import Path

import pytest

from mutransformers.sweep.experiment import Experiment

EXPERIMENTS = [Experiment(p.parent) for p in sorted((Path(__file__).resolve().parents[1] / "experiments")
                                                    .glob("*/claims.py"))]
VERDICTS = [(e, statement) for e in EXPERIMENTS for statement in e.verdicts()]


@pytest.mark.parametrize("experiment, statement", VERDICTS, ids=[f"{e.id}: {s}" for e, s in VERDICTS])
def test_a_verdict_holds_on_the_committed_results(experiment, statement):
    assert experiment.verdicts()[statement] is True


@pytest.mark.parametrize("experiment", EXPERIMENTS, ids=[e.id for e in EXPERIMENTS])
def test_every_quoted_number_computes(experiment):
    numbers = experiment.numbers()
    assert numbers and all(isinstance(v, str) and v and "nan" not in v for v in numbers.values()), numbers
