"""SP <-> muP conversion with identical outputs, for every class."""
import pytest
import torch

import mutransformers as mt
from cases import CASE_IDS, CASES, base_of, inputs_for, tensors_of


def _outputs(model, inputs):
    return tensors_of(model.eval()(**inputs))


@pytest.mark.parametrize("mu_class, sp_class, make_config, kind, auto_name, extra", CASES, ids=CASE_IDS)
def test_mup_to_sp_keeps_outputs(mu_class, sp_class, make_config, kind, auto_name, extra):
    config = make_config(width=64, mup_base=base_of(make_config, 32), attn_mult=3.0, output_mult=2.5,
                         input_mult=1.5, **extra)
    mu_model = mu_class(config)
    for p in mu_model.parameters():  # move off the init so every multiplier matters
        p.data += 0.05 * torch.randn_like(p)
    sp_model = mt.to_sp(mu_model)
    assert type(sp_model) is sp_class
    inputs = inputs_for(kind)
    expected, got = _outputs(mu_model, inputs), _outputs(sp_model, inputs)
    for key in expected:
        assert (expected[key] - got[key]).abs().max() <= 1e-5 * max(1.0, expected[key].abs().max()), key


@pytest.mark.parametrize("mu_class, sp_class, make_config, kind, auto_name, extra", CASES, ids=CASE_IDS)
def test_sp_to_mup_keeps_outputs(mu_class, sp_class, make_config, kind, auto_name, extra):
    sp_config_class = getattr(__import__("transformers"), type(make_config()).__name__[2:])
    sp_model = sp_class(make_config(cls=sp_config_class, **extra))
    mu_model = mt.from_sp(sp_model)
    assert type(mu_model) is mu_class and all(hasattr(p, "infshape") for p in mu_model.parameters())
    inputs = inputs_for(kind)
    expected, got = _outputs(sp_model, inputs), _outputs(mu_model, inputs)
    for key in expected:
        assert (expected[key] - got[key]).abs().max() <= 1e-5, key
