"""muP initialization: the upstream init rules, with every hidden weight's std / sqrt(width_mult).

TP V, Table 3 (Adam): a hidden (width x width) weight is drawn with variance ∝ 1/fan_in; relative
to the base model that is std / sqrt(width_mult). Input weights (embeddings), biases, norms and
readouts keep width-independent init (readouts are divided by width_mult in the forward by
``mup.MuReadout`` instead). Rather than restate each architecture's rules (GPT-2's depth-scaled
``c_proj``, BERT's zeroed decoder bias, ...), we run the upstream ``_init_weights`` with the
`transformers.initialization` samplers reading each tensor's ``infshape`` — the same contract
as ``mup.init.normal_`` — so every upstream rule stays and gains its muP width factor.
"""
import contextlib
import functools

from transformers import initialization as hf_init

from .errors import MuPError

_SCALED = ("normal_", "trunc_normal_")  # std scales with width_mult**-0.5
# Fan-based samplers would keep standard parametrization on hidden weights: refuse them there.
_REFUSED_ON_HIDDEN = ("uniform_", "xavier_uniform_", "xavier_normal_", "kaiming_uniform_",
                      "kaiming_normal_", "orthogonal_", "sparse_")


def hidden_std_factor(tensor) -> float:
    """1/sqrt(width_mult) for a hidden (two width dims) tensor, 1 otherwise."""
    infshape = getattr(tensor, "infshape", None)
    if infshape is None:
        raise MuPError(
            f"A parameter of shape {list(tensor.shape)} has no `infshape`, so its muP init is unknown. "
            "Build the model from a mutransformers config, or call mutransformers.attach_infshapes(model) "
            "(or mup.set_base_shapes) before initializing it.")
    if infshape.ninf() == 2:
        return infshape.width_mult() ** -0.5
    if infshape.ninf() > 2:
        raise MuPError(f"muP init is undefined for a tensor with {infshape.ninf()} width dims ({infshape}).")
    return 1.0


def _scaled_normal(original):
    @functools.wraps(original)
    def normal_(tensor, mean=0.0, std=1.0, generator=None):
        if getattr(tensor, "_is_hf_initialized", False):  # loaded weight: leave it alone
            return tensor
        return original(tensor, mean=mean, std=std * hidden_std_factor(tensor), generator=generator)
    return normal_


def _scaled_trunc_normal(original):
    @functools.wraps(original)
    def trunc_normal_(tensor, mean=0.0, std=1.0, a=-2.0, b=2.0, generator=None):
        if getattr(tensor, "_is_hf_initialized", False):
            return tensor
        factor = hidden_std_factor(tensor)  # torch's cut-offs a, b are absolute: they scale too
        return original(tensor, mean=mean, std=std * factor, a=a * factor, b=b * factor, generator=generator)
    return trunc_normal_


def _refused_on_hidden(original, name):
    @functools.wraps(original)
    def sampler(tensor, *args, **kwargs):
        if not getattr(tensor, "_is_hf_initialized", False) and hidden_std_factor(tensor) != 1.0:
            raise MuPError(f"Upstream init uses {name} on a hidden weight of shape {list(tensor.shape)}; "
                           "its muP form is not defined here. Override _init_weights for this module.")
        return original(tensor, *args, **kwargs)
    return sampler


@contextlib.contextmanager
def mup_init_functions():
    """Within it, `transformers.initialization` samplers follow muP (see module docstring)."""
    originals = {name: getattr(hf_init, name) for name in _SCALED + _REFUSED_ON_HIDDEN}
    try:
        hf_init.normal_ = _scaled_normal(originals["normal_"])
        hf_init.trunc_normal_ = _scaled_trunc_normal(originals["trunc_normal_"])
        for name in _REFUSED_ON_HIDDEN:
            setattr(hf_init, name, _refused_on_hidden(originals[name], name))
        yield
    finally:
        for name, fn in originals.items():
            setattr(hf_init, name, fn)


def zeros_unless_loaded(tensor, view=None):
    """Zero `view` (default: the whole tensor) unless `tensor` holds loaded weights.

    Slicing drops transformers' `_is_hf_initialized` flag, so the flag is read on the full tensor.
    """
    if not getattr(tensor, "_is_hf_initialized", False):
        (tensor if view is None else view).data.zero_()
