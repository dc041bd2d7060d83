"""Every muP class: forward + backward, equality with upstream at base width, save/load."""
import math

import pytest
import torch
import transformers
from mup import MuReadout

import mutransformers as mt
from mutransformers.checks import init_differences

from cases import CASE_IDS, CASES, bart_config, base_of, inputs_for, tensors_of


@pytest.mark.parametrize("mu_class, sp_class, make_config, kind, auto_name, extra", CASES, ids=CASE_IDS)
def test_forward_backward(mu_class, sp_class, make_config, kind, auto_name, extra):
    config = make_config(width=64, mup_base=base_of(make_config, 32), **extra)
    model = mu_class(config)
    out = model(**inputs_for(kind))
    loss = out.last_hidden_state.pow(2).mean() if kind in ("base", "s2s_base") else out.loss
    if kind == "double":
        loss = loss + out.mc_loss
    assert torch.isfinite(loss)
    loss.backward()
    for name, p in model.named_parameters():
        assert hasattr(p, "infshape"), name
        assert p.grad is None or torch.isfinite(p.grad).all(), name
    assert any(p.grad is not None and p.grad.abs().sum() > 0 for p in model.parameters())
    if kind not in ("base", "s2s_base"):
        assert any(isinstance(m, MuReadout) for m in model.modules()), "every head must have a MuReadout"


@pytest.mark.parametrize("mu_class, sp_class, make_config, kind, auto_name, extra", CASES, ids=CASE_IDS)
def test_equals_upstream_at_base_width(mu_class, sp_class, make_config, kind, auto_name, extra):
    """Base dims = own dims, default attn_mult (sqrt(d_head); T5: d_kv), output_mult = 1: muP = SP."""
    sp_config = make_config(cls=getattr(transformers, type(make_config()).__name__[2:]),
                            initializer_range=0.2, initializer_factor=3.0, **extra)
    sp_model = sp_class(sp_config).eval()
    mu_config = make_config(output_mult=1.0, **extra)
    head_dim = mu_config.mup_head_dim()
    expected = (head_dim if "T5" in mu_class.__name__  # q.k unscaled
                else head_dim / math.sqrt(mu_config.query_pre_attn_scalar) if "Gemma" in mu_class.__name__
                else math.sqrt(head_dim))
    assert mu_config.base_attn_mult() == pytest.approx(expected)
    mu_model = mu_class(mu_config).eval()
    result = mu_model.load_state_dict(sp_model.state_dict(), strict=True)
    assert not result.missing_keys and not result.unexpected_keys
    inputs = inputs_for(kind)
    sp_out, mu_out = tensors_of(sp_model(**inputs)), tensors_of(mu_model(**inputs))
    assert sp_out.keys() == mu_out.keys()
    for key in sp_out:
        assert (sp_out[key] - mu_out[key]).abs().max() <= 1e-5, key


@pytest.mark.parametrize("mu_class, sp_class, make_config, kind, auto_name, extra", CASES, ids=CASE_IDS)
def test_base_width_init_draws_what_upstream_draws(mu_class, sp_class, make_config, kind, auto_name, extra):
    """At base width muP's init is upstream's, tensor by tensor: same constants, same std (sampling noise aside).
    Tying included: upstream draws before it ties, so a tied matrix holds the embedding's init."""
    sp_config = make_config(width=64, cls=getattr(transformers, type(make_config()).__name__[2:]), **extra)
    sp_state = sp_class(sp_config).state_dict()
    mu_state = mu_class(make_config(width=64, **extra)).state_dict()
    assert sp_state.keys() == mu_state.keys()
    assert not init_differences(sp_state, mu_state)


@pytest.mark.parametrize("mu_class, sp_class, make_config, kind, auto_name, extra", CASES, ids=CASE_IDS)
def test_save_load_round_trip(tmp_path, mu_class, sp_class, make_config, kind, auto_name, extra):
    config = make_config(width=64, mup_base=base_of(make_config, 32), output_mult=2.0, attn_mult=3.0, **extra)
    model = mu_class(config).eval()
    model.save_pretrained(tmp_path)
    loader = getattr(transformers, auto_name) if auto_name else mu_class
    loaded = loader.from_pretrained(tmp_path).eval()
    assert type(loaded) is mu_class

    # nothing re-initialized, infshape rebuilt, tying kept, outputs identical
    expected, got = model.state_dict(), loaded.state_dict()
    assert expected.keys() == got.keys()
    assert all(torch.equal(expected[k], got[k]) for k in expected)
    expected_shapes = {n: p.infshape for n, p in model.named_parameters()}
    assert {n: p.infshape for n, p in loaded.named_parameters()} == expected_shapes
    assert len(list(loaded.parameters())) == len(list(model.parameters()))  # still tied
    inputs = inputs_for(kind)
    for key, value in tensors_of(model(**inputs)).items():
        assert (value - tensors_of(loaded(**inputs))[key]).abs().max() == 0, key


@pytest.mark.parametrize("mu_class, sp_class, make_config, kind, auto_name, extra", CASES, ids=CASE_IDS)
def test_base_shapes_of_another_depth_are_a_clear_error(tmp_path, mu_class, sp_class, make_config, kind,
                                                        auto_name, extra):
    # BART's num_hidden_layers is its encoder's, which its decoder-only class does not have
    layers = {"encoder_layers": 3, "decoder_layers": 3} if make_config is bart_config else {"num_hidden_layers": 3}
    deeper = mu_class(make_config(width=32, **layers, **extra))
    path = str(tmp_path / "deeper.bsh")
    mt.make_base_shapes(deeper, savefile=path)
    with pytest.raises(mt.MuPError, match=r"do not match .*another depth.*Regenerate"):
        mu_class(make_config(width=64, mup_base_shapes=path, attn_mult=1.0, **extra))
