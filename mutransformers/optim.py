"""mup's optimizers, with a clear error for parameters that carry no ``infshape``.

``mup.MuAdam`` groups parameters by ``infshape`` (hidden weights get lr / width_mult) and only
``assert``s it is there — an AssertionError that ``python -O`` removes, after which nothing
would be muP. These wrappers check every parameter first and name the fix.
"""
import mup

from .core import MuPError


def _params_with_infshape(params):
    params = list(params)
    groups = params if params and isinstance(params[0], dict) else [{"params": params}]
    missing = [p for group in groups for p in group["params"] if not hasattr(p, "infshape")]
    if missing:
        shapes = [list(p.shape) for p in missing[:3]]
        raise MuPError(
            f"{len(missing)} parameter(s) have no `infshape` (shapes {shapes}...), so a muP optimizer cannot "
            "tell hidden weights from vector-like ones. Build the model from a mutransformers config, "
            "pass the parameters of the model itself (not of a copy.deepcopy or a torch.compile wrapper "
            "built afterwards), or restore them with mutransformers.attach_infshapes(model).")
    return groups


def MuAdamW(params, **kwargs):
    """AdamW with muP per-group learning rates (hidden weights: lr / width_mult)."""
    return mup.MuAdamW(_params_with_infshape(params), **kwargs)


def MuAdam(params, **kwargs):
    """Adam with muP per-group learning rates (hidden weights: lr / width_mult)."""
    return mup.MuAdam(_params_with_infshape(params), **kwargs)


def MuSGD(params, **kwargs):
    """SGD with muP per-group learning rates."""
    return mup.MuSGD(_params_with_infshape(params), **kwargs)
