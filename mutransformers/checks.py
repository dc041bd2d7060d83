"""The battery ``mutransformers check-arch <model_type>`` runs before the generic path (generic.py) may
build muP for an architecture: the checks every declared architecture passes in the test suite, on a
tiny causal LM (2 layers, 4 heads, vocabulary 256).

Each check returns (passed, detail). The coordinate check is the one that catches what construction
cannot: a width-dependent multiplier upstream applies (Gemma 2's sqrt(hidden_size) embedding scale), an
attention that does not read ``scaling``, a head that is not a readout.
"""
import math
import tempfile
import time
import warnings

import torch
import transformers
from mup import MuReadout
from torch import nn
from transformers.integrations.sdpa_attention import sdpa_attention_forward
from transformers.modeling_utils import AttentionInterface

from . import families
from .coord_check import check as coord_verdict, run as coord_run
from .convert import to_sp
from .generic import generic_classes, tiny_config_fields

BASE, WIDE = 32, 64
CHECK_WIDTHS = [64, 128, 256, 512]  # the coordinate check's calibrated widths


def _models(model_type):
    classes = generic_classes(model_type, verified_only=False)
    mu_class = classes["AutoModelForCausalLM"]
    sp_class = next(c for c in mu_class.__mro__ if c.__module__.startswith("transformers.models."))
    return mu_class, sp_class


def _config(mu_class, width, base=None, **fields):
    dims = tiny_config_fields(mu_class.config_class, width)
    mup_base = None
    if base is not None:
        mup_base = {k: v for k, v in tiny_config_fields(mu_class.config_class, base).items()
                    if k in mu_class.config_class.mup_width_fields}
    return mu_class.config_class(**dims, mup_base=mup_base, **fields)


def _ids():
    return torch.randint(1, 255, (2, 8), generator=torch.Generator().manual_seed(0))


def _unclassified(model) -> list:
    """Parameters muP has no rule for: no infshape, more than two width dims, or a width -> fixed-size matrix
    that is neither an embedding table nor a MuReadout (an MoE router held as a bare parameter would train and
    initialize as an input weight, with no 1/width_mult on its logits)."""
    owned = {id(m.weight) for m in model.modules() if isinstance(m, (MuReadout, nn.Embedding))}
    bad = []
    for name, p in model.named_parameters():
        shape = getattr(p, "infshape", None)
        if shape is None or shape.ninf() > 2:
            bad.append(name)
        elif p.dim() == 2 and not shape[0].isinf() and shape[1].isinf() and id(p) not in owned:
            bad.append(f"{name} (width -> {p.shape[0]}, not a MuReadout)")
    return bad


def check_build(mu_class, sp_class):
    model = mu_class(_config(mu_class, WIDE, BASE))
    readouts = [n for n, m in model.named_modules() if isinstance(m, MuReadout)]
    bad = _unclassified(model)
    attention = [m for m in model.modules() if isinstance(m, model.mup_attention_classes)]
    passed = bool(readouts) and not bad and len(attention) == 2
    return passed, f"readouts {readouts}, {len(attention)} attention modules, unclassified {bad[:3]}"


def check_forward_backward(mu_class, sp_class):
    model = mu_class(_config(mu_class, WIDE, BASE))
    loss = model(_ids(), labels=_ids()).loss
    loss.backward()
    finite = torch.isfinite(loss) and all(p.grad is None or torch.isfinite(p.grad).all() for p in model.parameters())
    return bool(finite), f"loss {loss.item():.3f}"


def check_equals_upstream_at_base_width(mu_class, sp_class):
    config = _config(mu_class, WIDE)
    sp_model = sp_class(sp_class.config_class(**tiny_config_fields(sp_class.config_class, WIDE))).eval()
    mu_model = mu_class(config).eval()
    mu_model.load_state_dict(sp_model.state_dict(), strict=True)
    diff = (mu_model(_ids()).logits - sp_model(_ids()).logits).abs().max().item()
    return diff <= 1e-5, f"max |logit difference| {diff:.1e} (bound 1e-5)"


def init_differences(sp_state: dict, mu_state: dict) -> list:
    """Tensors whose muP init (at base width) is not upstream's: other constants (norm gains, zeroed biases), or
    a std off by more than 6 standard errors (+2%) of sampling noise. Below 16 draws a std is not compared."""
    off = []
    for key, expected in sp_state.items():
        got, expected = mu_state[key].float(), expected.float()
        if expected.min() == expected.max():
            if not torch.equal(got, expected):
                off.append(key)
        elif expected.numel() >= 16 and abs(got.std() / expected.std() - 1) > 6 / math.sqrt(expected.numel()) + 0.02:
            off.append(f"{key} (std {got.std() / expected.std():.3f}x)")
    return off


def check_init_matches_upstream(mu_class, sp_class):
    sp_state = sp_class(sp_class.config_class(**tiny_config_fields(sp_class.config_class, WIDE))).state_dict()
    off = init_differences(sp_state, mu_class(_config(mu_class, WIDE)).state_dict())
    return not off, f"tensors whose init differs from upstream's: {off[:3]}" if off else "every tensor"


def check_save_load(mu_class, sp_class):
    model = mu_class(_config(mu_class, WIDE, BASE, output_mult=2.0)).eval()
    with tempfile.TemporaryDirectory() as folder:
        model.save_pretrained(folder)
        loaded = mu_class.from_pretrained(folder).eval()
    same = all(torch.equal(a, b) for a, b in zip(model.state_dict().values(), loaded.state_dict().values()))
    shapes = {n: p.infshape for n, p in model.named_parameters()} == {n: p.infshape for n, p in loaded.named_parameters()}
    exact = torch.equal(model(_ids()).logits, loaded(_ids()).logits)
    return same and shapes and exact, f"tensors equal {same}, infshapes rebuilt {shapes}, outputs bit-exact {exact}"


def check_to_sp(mu_class, sp_class):
    model = mu_class(_config(mu_class, WIDE, BASE, output_mult=2.0, attn_mult=3.0, input_mult=1.5)).eval()
    diff = (to_sp(model).eval()(_ids()).logits - model(_ids()).logits).abs().max().item()
    return diff <= 1e-5, f"max |logit difference| {diff:.1e} (bound 1e-5)"


def check_kernel_reads_mup_scaling(mu_class, sp_class):
    """The attention kernel receives the module's muP ``scaling`` (attn_mult / d_head), not a literal."""
    seen = {}

    def probe(module, query, key, value, attention_mask, scaling=None, **kwargs):
        seen[module] = scaling
        return sdpa_attention_forward(module, query, key, value, attention_mask, scaling=scaling, **kwargs)

    AttentionInterface.register("mutransformers_check_arch", probe)
    model = mu_class(_config(mu_class, WIDE, BASE, attn_implementation="mutransformers_check_arch")).eval()
    model(_ids())
    attention = [m for m in model.modules() if isinstance(m, model.mup_attention_classes)]
    ok = attention and all(m in seen and seen[m] is not None and math.isclose(seen[m], m.scaling) for m in attention)
    head_dim = model.config.mup_head_dim()
    expected = math.sqrt(head_dim * BASE / WIDE) / head_dim  # attn_mult sqrt(base d_head) over d_head
    ok = bool(ok) and all(math.isclose(m.scaling, expected, rel_tol=1e-6) for m in attention)
    return ok, f"kernel got {sorted({round(v, 5) for v in seen.values() if v})}, muP's {expected:.5f}"


def check_coordinates(mu_class, sp_class, model_type):
    """muP passes the coordinate check; SP, the nn.Linear readout and one global LR fail it; the 1/sqrt(d)
    control's attention logits grow faster than muP's at lr 2e-2 (the test suite's pair)."""
    config_class = mu_class.config_class
    families.ARCHS[model_type] = families.Arch(  # declared for the length of the check only
        mu_class, sp_class, lambda w: tiny_config_fields(config_class, w),
        lambda w: {k: v for k, v in tiny_config_fields(config_class, w).items() if k in config_class.mup_width_fields},
        masked=False)
    try:
        verdicts = {v: coord_verdict(coord_run(model_type, CHECK_WIDTHS, v, steps=8, progress=False))
                    for v in ("mup", "sp", "mup_linear_readout", "global_lr")}

        def logits_slope(variant):
            rows = coord_run(model_type, CHECK_WIDTHS, variant, steps=8, lr=2e-2, progress=False)
            return max(s["slope"] for s in coord_verdict(rows).slopes if s["kind"] == "attn_logits")
        pair = logits_slope("mup_attn_sqrt_d") - logits_slope("mup")
    finally:
        del families.ARCHS[model_type]
    ok = verdicts["mup"].passed and not any(verdicts[v].passed for v in ("sp", "mup_linear_readout", "global_lr"))
    ok = ok and pair > 0.35
    mup = verdicts["mup"]
    worst = mup.worst or mup.change_worst
    mup_text = mup.summary(n=1).splitlines()[0] + (f" {worst[0]['module']} at step {worst[0]['step']}: slope "
                                                   f"{worst[0]['slope']:+.2f}" if worst else "")
    return ok, (f"muP: {mup_text}; controls fail: "
                f"{[v for v in ('sp', 'mup_linear_readout', 'global_lr') if not verdicts[v].passed]}; "
                f"1/sqrt(d) - muP logits slope at lr 2e-2: {pair:+.2f} (needs > 0.35)")


CHECKS = [check_build, check_forward_backward, check_equals_upstream_at_base_width, check_init_matches_upstream,
          check_save_load, check_to_sp, check_kernel_reads_mup_scaling, check_coordinates]


def run_battery(model_type: str, progress=print) -> dict:
    """Every check, each isolated (a failure is a result, not a crash): the record check-arch stores."""
    torch.manual_seed(0)
    start = time.perf_counter()
    results = {}
    try:
        mu_class, sp_class = _models(model_type)
    except Exception as error:  # noqa: BLE001 - the reason is the result
        results["build"] = {"passed": False, "detail": f"{type(error).__name__}: {error}"}
        mu_class = None
    for check in CHECKS if mu_class is not None else []:
        name = check.__name__.removeprefix("check_")
        if check is check_coordinates and not all(r["passed"] for r in results.values()):
            results[name] = {"passed": False, "detail": "not run: an earlier check failed"}  # minutes saved
            progress(f"  SKIP  {name}: not run, an earlier check failed")
            continue
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                args = (mu_class, sp_class, model_type) if check is check_coordinates else (mu_class, sp_class)
                passed, detail = check(*args)
        except Exception as error:  # noqa: BLE001
            passed, detail = False, f"{type(error).__name__}: {str(error)[:300]}"
        results[name] = {"passed": bool(passed), "detail": detail}
        progress(f"  {'PASS' if passed else 'FAIL'}  {name}: {detail}")
    return {"transformers": transformers.__version__, "passed": all(r["passed"] for r in results.values()),
            "checks": results, "seconds": round(time.perf_counter() - start, 1)}
