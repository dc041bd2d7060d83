"""Depth transfer: CompleteP (Dey et al. 2025, "Don't be lazy: CompleteP enables compute-efficient deep
transformers"), with Depth-muP (alpha = 0.5; Yang et al. 2023, Tensor Programs VI) as the other choice.

The layer count is a base dim like the widths: ``mup_base = {"n_embd": 64, "n_layer": 2}``. With
m_L = L / L_base and alpha = ``config.depth_alpha`` (1.0 by default, CompleteP):

* every residual branch (attention, cross-attention, MLP) is multiplied by m_L^-alpha before the
  residual add. We multiply the branch's output projection (c_proj / o_proj / down_proj / o / wo):
  dropout and the add follow it, so the attention kernels, gradient checkpointing and ``generate``
  run upstream's code unchanged, and ``to_sp`` folds the factor into that projection's weights;
* Adam: parameters inside the blocks (hidden weights, norm gains, biases) get lr * m_L^(alpha - 1)
  on top of muP's width rule; Adam's epsilon follows each group's gradient scale: hidden weights
  eps / (width_mult * m_L^alpha), block vector-likes eps / m_L^alpha. Embeddings, the final norm and
  readouts keep muP's rules (their gradients do not scale with depth);
* init variances do not change with depth: upstream's depth-scaled inits (GPT-2's c_proj,
  0.02 / sqrt(2 n_layer)) are evaluated at the base depth, as every upstream rule is at base dims.

Like every other muP quantity here, the factors are derived from the config on every use, never
stored: a parameter carries a ``DepthRule`` pointing at its config and its stack's layer field.
"""
import warnings

import torch.nn as nn

from .errors import MuPError

TESTED_ALPHAS = (0.5, 1.0)  # the two published choices (Depth-muP, CompleteP)


def depth_mult(config, field: str) -> float:
    """m_L = L / L_base for one stack (1.0 without a depth base)."""
    base = config.mup_depth_base().get(field)
    return 1.0 if base is None else getattr(config, field) / base


def resolved_alpha(config) -> float:
    return 1.0 if config.depth_alpha is None else float(config.depth_alpha)


def branch_multiplier(config, field: str) -> float:
    """m_L^-alpha, the factor on each residual branch of a stack."""
    return depth_mult(config, field) ** -resolved_alpha(config)


def validate_depth(config):
    """``depth_alpha`` needs a depth base; alpha outside [0.5, 1] is refused, between them untested."""
    alpha = config.depth_alpha
    if alpha is None:
        return
    if isinstance(alpha, bool) or not isinstance(alpha, (int, float)) or not 0.5 <= alpha <= 1.0:
        raise MuPError(f"depth_alpha={alpha!r}: it must be a number in [0.5, 1] (1.0: CompleteP, 0.5: Depth-muP).")
    if not config.mup_depth_base():
        fields = config.mup_depth_fields or ()
        hint = f" (e.g. mup_base={{..., {fields[0]!r}: 2}})" if fields else ""
        raise MuPError(f"depth_alpha={alpha} has no effect without a base depth: put the layer count of the model "
                       f"you tune into mup_base{hint}, or drop depth_alpha.")
    if float(alpha) not in TESTED_ALPHAS:
        warnings.warn(f"depth_alpha={alpha}: only 0.5 (Depth-muP) and 1.0 (CompleteP) are published and tested "
                      "here; values between them are untested.", UserWarning, stacklevel=3)


class ResidualBranchOutput:
    """Mixed into the output projection of a residual branch: its output times m_L^-alpha.

    ### muP: CompleteP's residual multiplier, read from the config on every forward (nothing cached).
    """

    def forward(self, *args, **kwargs):
        out = super().forward(*args, **kwargs)
        multiplier = branch_multiplier(self.mup_config, self.mup_depth_field)
        return out * multiplier if multiplier != 1.0 else out

    @property
    def branch_multiplier(self) -> float:
        return branch_multiplier(self.mup_config, self.mup_depth_field)

    def extra_repr(self) -> str:
        return f"{super().extra_repr()}, branch_multiplier={self.branch_multiplier:g}"


_branch_classes: dict = {}


def _branch_class(cls):
    if issubclass(cls, ResidualBranchOutput):
        return cls
    if cls not in _branch_classes:
        _branch_classes[cls] = type(f"ResidualBranch{cls.__name__}", (ResidualBranchOutput, cls), {})
    return _branch_classes[cls]


def blocks_of(model):
    """[(name, block module, its stack's layer field)] for every residual block of the model."""
    blocks = []
    for name, module in model.named_modules():
        if isinstance(module, model.mup_residual_blocks):
            blocks.append((name, module, model.mup_depth_field_of(name)))
    return blocks


def mark_residual_branches(model):
    """Re-class every residual branch's output projection so that it applies m_L^-alpha (depth base only)."""
    if not model.config.mup_depth_base():
        return
    for _, block, field in blocks_of(model):
        for module in model.mup_branch_outputs(block):
            module.__class__ = _branch_class(type(module))
            module.mup_config, module.mup_depth_field = model.config, field


class DepthRule:
    """What CompleteP does to the optimizer for one parameter inside a residual block."""

    def __init__(self, config, field: str):
        self.config, self.field = config, field

    def lr_factor(self) -> float:
        return depth_mult(self.config, self.field) ** (resolved_alpha(self.config) - 1.0)

    def eps_factor(self, width_mult: float) -> float:
        return depth_mult(self.config, self.field) ** -resolved_alpha(self.config) / width_mult

    def __repr__(self):
        return f"DepthRule({self.field}, m_L={depth_mult(self.config, self.field):g}, alpha={resolved_alpha(self.config):g})"


def attach_depth_rules(model):
    """Give every parameter inside a residual block its ``DepthRule`` (depth base only).

    Embedding tables inside a block (T5's relative attention bias, shared by every layer) are left out:
    like the input embedding, their update reaches the residual stream once per layer at m_L^-alpha,
    which for alpha = 1 sums to a depth-independent change.
    """
    config = getattr(model, "config", None)
    if config is None or not hasattr(config, "mup_depth_base") or not config.mup_depth_base():
        for p in model.parameters():
            p.__dict__.pop("mup_depth", None)
        return
    for _, block, field in blocks_of(model):
        for module in block.modules():
            if isinstance(module, nn.Embedding):
                continue
            for p in module.parameters(recurse=False):
                p.mup_depth = DepthRule(config, field)


def depth_groups(groups: list, lr: float, eps: float) -> list:
    """Split optimizer groups so each in-block parameter gets CompleteP's LR and epsilon factors.

    ``groups`` are mup-style param groups; hidden weights still get muP's lr / width_mult from mup
    afterwards. A group's own ``lr`` / ``eps`` (if set) is the base the factors multiply.
    """
    out = []
    for group in groups:
        base_lr, base_eps = group.get("lr", lr), group.get("eps", eps)
        buckets = {}
        for p in group["params"]:
            rule = getattr(p, "mup_depth", None)
            if rule is None:
                key = (1.0, 1.0)
            else:
                width_mult = p.infshape.width_mult() if p.infshape.ninf() == 2 else 1.0
                key = (rule.lr_factor(), rule.eps_factor(width_mult))
            buckets.setdefault(key, []).append(p)
        for (lr_factor, eps_factor), params in buckets.items():
            new = {**group, "params": params}
            if (lr_factor, eps_factor) != (1.0, 1.0):
                new["lr"], new["eps"] = base_lr * lr_factor, base_eps * eps_factor
            out.append(new)
    return out


def has_depth_rules(groups: list) -> bool:
    return any(getattr(p, "mup_depth", None) is not None for group in groups for p in group["params"])


def check_depth_base(config, name: str, value):
    """A depth field in ``mup_base`` of an architecture without CompleteP rules gets a clear refusal."""
    if name in (config.mup_depth_refused or {}):
        raise MuPError(f"mup_base has {name!r}={value}, a base depth, but {type(config).__name__}: "
                       f"{config.mup_depth_refused[name]} Remove {name!r} from mup_base (width transfer works "
                       "as before); for depth transfer use a pre-LN architecture (GPT-2, Llama, T5).")
