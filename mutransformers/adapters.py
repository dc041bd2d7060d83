"""muP for LoRA adapters (PEFT): base shapes for a ``PeftModel`` wrapping a muP model.

LoRA adds (alpha / r) * B @ A to a weight W of fan-in n_in and fan-out n_out, with A: (r, n_in) and
B: (n_out, r) and the rank r fixed as width grows. So A maps a width to a fixed size (like a readout)
and B a fixed size to a width (like an input embedding). Under Adam, muP gives a readout-like weight
a learning rate proportional to 1 / fan_in and an input-like weight a width-independent one (TP V,
Yang et al. 2022, Table 3); LoRA+ (Hayou, Ghosh and Yu 2024, "LoRA+: Efficient Low Rank Adaptation of
Large Models", ICML) derives the same ratio from the infinite-width limit of LoRA itself: efficient
feature learning needs eta_B / eta_A = Theta(width). Our treatment:

* A: infshape (r fixed, n_in width) and Adam LR ``lr / width_mult`` (``LoraAInfShape``: mup's
  optimizers would treat it as vector-like, lr unscaled, so ``MuAdamW`` puts it in its own group);
* B: infshape (n_out width, r fixed): vector-like, Adam LR ``lr``;
* the inits PEFT draws (A ~ kaiming-uniform, std ~ fan_in^-1/2; B = 0) are kept: B = 0 makes the
  adapted model start as the muP model, and A's fan-in std keeps A x of order one at every width.

Derived for adapters on hidden weights (width in, width out) under Adam only. LoRA on a readout
(``lm_head``: fixed fan-out), on an embedding table, or trained with SGD is refused with a MuPError.
"""
from mup.infshape import InfDim, InfShape
from transformers.pytorch_utils import Conv1D

from .core.errors import MuPError
from .core import shapes
from .core.shapes import Conv1DInfShape


class LoraAInfShape(InfShape):
    """infshape of a LoRA A matrix: readout-like, so muP's Adam LR is lr / width_mult (see module doc)."""


def is_peft_model(model) -> bool:
    return hasattr(model, "peft_config") and hasattr(model, "get_base_model")


_WRAPPER_SEGMENTS = ("base_layer", "original_module")


def _clean_name(name: str) -> str:
    """The parameter's name in the model before PEFT wrapped its layers."""
    parts = name.split(".")
    out, i = [], 0
    while i < len(parts):
        if parts[i] in _WRAPPER_SEGMENTS:
            i += 1
        elif parts[i] == "modules_to_save":
            i += 2  # modules_to_save.<adapter name>
        else:
            out.append(parts[i])
            i += 1
    return ".".join(out)


def _fan_dims(base_dims: list, conv1d: bool):
    """(fan_in base dim, fan_out base dim) of a wrapped layer's weight (Conv1D stores (in, out))."""
    return (base_dims[0], base_dims[1]) if conv1d else (base_dims[1], base_dims[0])


def attach_infshapes(model, base_shapes: dict | None = None) -> dict:
    """``mutransformers.attach_infshapes``: the core's, and for a PEFT model its LoRA layers as well."""
    if not is_peft_model(model):
        return shapes.attach_infshapes(model, base_shapes)
    inner = model.get_base_model()
    return attach_adapter_infshapes(model, base_shapes if base_shapes is not None else shapes.base_shapes_of(inner))


def attach_adapter_infshapes(peft_model, base_shapes: dict) -> dict:
    """``infshape`` for every parameter of a PEFT model: the muP model's own, and LoRA's A and B.

    ``base_shapes``: {name in the unwrapped model: base dims}, from the muP model's config."""
    model = peft_model.get_base_model()
    if model.config.mup_depth_base():
        raise MuPError("LoRA on a model with a base depth (a layer count in mup_base: CompleteP): an adapter on a "
                       "residual branch's output projection would bypass the branch multiplier, and no depth rule is "
                       "derived for adapters. Fine-tune all parameters with mutransformers.MuAdamW, or convert "
                       "the model with mutransformers.to_sp (the multiplier folded into the weights) and put LoRA on "
                       "that.")
    infshapes = {}
    for layer_name, layer in model.named_modules():
        if not hasattr(layer, "lora_A"):
            continue
        if getattr(layer, "lora_embedding_A", None):
            raise MuPError(f"LoRA on the embedding {layer_name!r}: no muP rule is derived for an adapter on an "
                           "input table. Leave embeddings out of LoraConfig(target_modules=...).")
        base_layer = layer.get_base_layer()
        weight_name = _clean_name(f"{layer_name}.weight")
        fan_in, fan_out = _fan_dims(base_shapes[weight_name], isinstance(base_layer, Conv1D))
        if fan_in is None or fan_out is None:
            raise MuPError(
                f"LoRA on {layer_name!r}, whose weight is not width-to-width (a readout such as lm_head, or a "
                "classifier): no muP rule is derived for that adapter. Leave it out of "
                "LoraConfig(target_modules=...); train a new head with modules_to_save instead.")
        for adapter in layer.lora_A:
            a, b = layer.lora_A[adapter].weight, layer.lora_B[adapter].weight
            infshapes[id(a)] = LoraAInfShape([InfDim(None, a.shape[0]), InfDim(fan_in, a.shape[1])])
            infshapes[id(b)] = InfShape([InfDim(fan_out, b.shape[0]), InfDim(None, b.shape[1])])
    conv1d_weights = {f"{n}.weight" for n, m in model.named_modules() if isinstance(m, Conv1D)}
    for name, p in model.named_parameters(remove_duplicate=False):
        if id(p) in infshapes:
            p.infshape = infshapes[id(p)]
            continue
        clean = _clean_name(name)
        if clean not in base_shapes:
            raise MuPError(f"{name}: a parameter PEFT added that mutransformers has no muP rule for (only LoRA's A "
                           "and B on hidden weights are derived). Remove it from the PEFT config or freeze it.")
        dims = [InfDim(base, size) for base, size in zip(base_shapes[clean], p.shape)]
        p.infshape = Conv1DInfShape(dims) if name in conv1d_weights else InfShape(dims)
    return {name: p.infshape for name, p in model.named_parameters(remove_duplicate=False)}


def lora_a_groups(groups: list, lr: float) -> list:
    """Adam groups with the LoRA A matrices apart, at lr / width_mult (see module doc)."""
    out = []
    for group in groups:
        is_a = [isinstance(getattr(p, "infshape", None), LoraAInfShape) for p in group["params"]]
        plain = [p for p, a in zip(group["params"], is_a) if not a]
        lora_a = [p for p, a in zip(group["params"], is_a) if a]
        if plain:
            out.append({**group, "params": plain})
        group_lr = group.get("lr", lr)
        for width_mult in sorted({p.infshape.width_mult() for p in lora_a}):
            out.append({**group, "lr": group_lr / width_mult,
                        "params": [p for p in lora_a if p.infshape.width_mult() == width_mult]})
    return out


def has_lora_a(groups: list) -> bool:
    return any(isinstance(getattr(p, "infshape", None), LoraAInfShape) for g in groups for p in g["params"])
