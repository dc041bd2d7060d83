"""mup's optimizers, with a clear error for parameters that carry no ``infshape``.

``mup.MuAdam`` groups parameters by ``infshape`` (hidden weights get lr / width_mult) and only
``assert``s it is there — an AssertionError that ``python -O`` removes, after which nothing
would be muP. These wrappers check every parameter first and name the fix.
"""
import warnings
import weakref

import mup
from torch.optim.optimizer import register_optimizer_step_pre_hook

from .adapters import has_lora_a, lora_a_groups
from .core import MuPError
from .core.depth import depth_groups, has_depth_rules


def _params_with_infshape(params):
    """Param groups for mup: (name, parameter) pairs accepted as torch's optimizers do, frozen
    parameters left out (never updated, they need no muP rule), every other one checked for ``infshape``."""
    items = list(params)
    groups = items if items and isinstance(items[0], dict) else [{"params": items}]
    out, missing = [], []
    for group in groups:
        entries = group["params"]
        entries = [entries] if not isinstance(entries, (list, tuple)) or _is_named(entries) else list(entries)
        named = [entry if _is_named(entry) else (None, entry) for entry in entries]
        trainable = [(name, p) for name, p in named if p.requires_grad]
        missing += [(name, p) for name, p in trainable if not hasattr(p, "infshape")]
        if trainable:
            out.append({**group, "params": [p for _, p in trainable]})
    if missing:
        described = [name or f"shape {list(p.shape)}" for name, p in missing[:3]]
        raise MuPError(
            f"{len(missing)} trainable parameter(s) have no `infshape` ({', '.join(described)}...), so a muP "
            "optimizer cannot tell hidden weights from vector-like ones. Build the model from a mutransformers "
            "config, pass the parameters of the model itself (not of a copy.deepcopy or a torch.compile wrapper "
            "built afterwards), or restore them with mutransformers.attach_infshapes(model). Parameters added "
            "after the model was built need base shapes too: for a PEFT (LoRA) model call "
            "mutransformers.attach_infshapes(peft_model) first; otherwise freeze them.")
    if not out:
        raise MuPError("No trainable parameters: every parameter given has requires_grad=False.")
    return out


def _is_named(entry) -> bool:
    return isinstance(entry, tuple) and len(entry) == 2 and isinstance(entry[0], str)


def _adam_groups(params, kwargs):
    groups = _params_with_infshape(params)
    if has_lora_a(groups):
        groups = lora_a_groups(groups, kwargs.get("lr", 1e-3))
    if has_depth_rules(groups):  # CompleteP: in-block LR x m_L^(alpha-1), epsilon by gradient scale
        groups = depth_groups(groups, kwargs.get("lr", 1e-3), kwargs.get("eps", 1e-8))
    return groups


def MuAdamW(params, **kwargs):
    """AdamW with muP per-group learning rates (hidden weights and LoRA's A: lr / width_mult), and
    CompleteP's depth factors where the model has a base depth (core/depth.py)."""
    return mup.MuAdamW(_adam_groups(params, kwargs), **kwargs)


def MuAdam(params, **kwargs):
    """Adam with muP per-group learning rates (hidden weights and LoRA's A: lr / width_mult), and
    CompleteP's depth factors where the model has a base depth (core/depth.py)."""
    return mup.MuAdam(_adam_groups(params, kwargs), **kwargs)


def MuSGD(params, **kwargs):
    """SGD with muP per-group learning rates."""
    groups = _params_with_infshape(params)
    if has_lora_a(groups):
        raise MuPError("LoRA adapters under SGD: mutransformers derives their muP rule for Adam only (see "
                       "mutransformers.adapters). Train the adapters with mutransformers.MuAdamW.")
    if has_depth_rules(groups):
        raise MuPError("This model has a base depth (a layer count in mup_base: CompleteP), whose optimizer rules "
                       "are derived for Adam (Dey et al. 2025); mutransformers has none for SGD. Train it with "
                       "mutransformers.MuAdamW, or drop the layer count from mup_base for width-only muP under SGD.")
    return mup.MuSGD(groups, **kwargs)


_checked = weakref.WeakSet()


def _warn_if_not_mup(optimizer, args, kwargs):
    """Before an optimizer's first step: does it train muP parameters with one LR for hidden and
    vector-like weights? mup's optimizers never group them together, a plain optimizer does (plain
    ``transformers.Trainer``, ``torch.optim.AdamW(model.parameters())``): its hidden weights then
    update width_mult times too fast, silently. A torch-wide step pre-hook sees every optimizer
    without patching transformers."""
    if optimizer in _checked:
        return
    _checked.add(optimizer)
    for group in optimizer.param_groups:
        shapes = [p.infshape for p in group["params"] if hasattr(p, "infshape")]
        hidden = [s for s in shapes if s.ninf() == 2 and s.width_mult() != 1]
        if hidden and any(s.ninf() < 2 for s in shapes):
            warnings.warn(
                f"{type(optimizer).__name__} trains a muP model's hidden weights (width_mult "
                f"{hidden[0].width_mult():g}) and its vector-like weights with one learning rate: that is not muP, "
                "and the hidden weights update width_mult times too fast. Build the optimizer with "
                "mutransformers.MuAdamW / MuSGD, or train with mutransformers.MuTrainer instead of "
                "transformers.Trainer.", UserWarning, stacklevel=3)
            return


register_optimizer_step_pre_hook(_warn_if_not_mup)
