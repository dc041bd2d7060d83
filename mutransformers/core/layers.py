"""The two muP layers: readouts (a mup.MuReadout) and the input embedding with its multiplier.

Upstream modules are re-classed in place (same parameters, same names, same tying), so a
checkpoint of the upstream model loads unchanged and only the forward gains muP's multiplier.
"""
import functools

import torch
from mup import MuReadout
from torch import nn
from transformers.pytorch_utils import Conv1D

from .errors import MuPError
from .reclass import mixed_class


class _FollowsConfig:
    """A multiplier read from the model's config on every forward (set ``config.<name>``, not the module's).

    A model built from a mutransformers config holds no copy that could go stale: changing
    ``model.config.output_mult`` takes effect at the next forward and is saved with the config. A
    module made by hand (no config) keeps its own value, as mup's modules do.
    """

    def __init__(self, name: str):
        self.name = name

    def __get__(self, module, owner=None):
        if module is None:
            return self
        config = module.__dict__.get("mup_config")
        return float(getattr(config, self.name)) if config is not None else module.__dict__.get(self.name, 1.0)

    def __set__(self, module, value):
        if module.__dict__.get("mup_config") is not None:
            raise MuPError(f"{type(module).__name__}.{self.name} follows the model's config: set "
                           f"model.config.{self.name} = {value!r} instead (it is then also saved).")
        module.__dict__[self.name] = value


class MuEmbedding(nn.Embedding):
    """``nn.Embedding`` whose output is multiplied by ``input_mult`` (muP's input multiplier)."""

    input_mult = _FollowsConfig("input_mult")

    def forward(self, input_ids: torch.Tensor, *args, **kwargs) -> torch.Tensor:
        out = super().forward(input_ids, *args, **kwargs)  # upstream subclasses take more (BART's positions)
        return out * self.input_mult if self.input_mult != 1.0 else out

    def extra_repr(self) -> str:
        return f"{super().extra_repr()}, input_mult={self.input_mult:g}"


@functools.cache
def mu_embedding_class(upstream_class: type) -> type:
    """``MuEmbedding``'s multiplier over an upstream ``nn.Embedding`` subclass's own forward."""
    return mixed_class(MuEmbedding, upstream_class, globals())


class ShardSafeReadout(MuReadout):
    """``mup.MuReadout`` that remembers its width multiplier.

    mup reads ``weight.infshape`` on every forward. Wrappers that hand the module another Parameter
    object (FSDP2's all-gathered weight, ``nn.DataParallel`` replicas: mup issue #59) carry no
    ``infshape``, and mup then fails an assert. We read the infshape whenever the weight has one (so
    a hand-called ``mup.set_base_shapes`` still takes effect) and otherwise use the last value read.
    """

    output_mult = _FollowsConfig("output_mult")

    def width_mult(self) -> float:
        infshape = getattr(self.weight, "infshape", None)
        if infshape is not None:
            self._width_mult = infshape.width_mult()
        elif not hasattr(self, "_width_mult"):
            raise MuPError(f"Readout {self} has no base shapes: build it from a mutransformers config or call "
                           "mutransformers.attach_infshapes(model).")
        return self._width_mult

    def extra_repr(self) -> str:
        return f"{super().extra_repr()}, width_mult={self.width_mult():g}, output_mult={self.output_mult:g}"


def _width_in_fixed_out(infshape) -> bool:
    fan_out, fan_in = infshape[0], infshape[1]
    return fan_in.isinf() and not fan_out.isinf()


def convert_layers(model, infshapes: dict, config):
    """Make every readout a ``MuReadout`` and every width-valued embedding a ``MuEmbedding``.

    A readout is any linear map from a width to a fixed size (LM head, MLM decoder, NSP,
    classifier, QA, score, multiple-choice heads): found from the base shapes, not listed by
    hand, so a config-dependent head (GPT-2's summary projection) is never missed.
    """
    for name, module in model.named_modules():
        weight = f"{name}.weight" if name else "weight"
        if type(module) is nn.Linear and _width_in_fixed_out(infshapes[weight]):
            module.__class__ = ShardSafeReadout  ### muP: readout is output_mult * x / width_mult
        if type(module) is MuReadout:  # made by mup.set_base_shapes or by hand
            module.__class__ = ShardSafeReadout
        if isinstance(module, MuReadout):
            if isinstance(module, ShardSafeReadout):
                module.__dict__.pop("output_mult", None)  # mup's own copy, if it built the module
                module.mup_config = config
            else:  # another MuReadout subclass (mup's MuSharedReadout): its own attribute
                module.output_mult = config.output_mult
            module.readout_zero_init = config.readout_zero_init
            module.width_mult()  # remember it while the weight has its infshape
        elif isinstance(module, Conv1D) and _width_in_fixed_out(infshapes[weight][::-1]):
            raise MuPError(f"{name} is a Conv1D readout (width in, fixed size out); only nn.Linear "
                           "readouts can become MuReadout. Use an nn.Linear head.")
        elif isinstance(module, nn.Embedding) and infshapes[weight][1].isinf():
            if type(module) is nn.Embedding:
                module.__class__ = MuEmbedding  ### muP: input layer multiplier
            elif not isinstance(module, MuEmbedding):  # an upstream subclass (Gemma's scaled one): its forward kept
                module.__class__ = mu_embedding_class(type(module))
            if isinstance(module, MuEmbedding):
                module.mup_config = config
