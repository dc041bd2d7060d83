"""Conversion between standard parametrization (plain transformers) and muP, with identical outputs.

* ``from_sp(model)``: a transformers model -> the muP class with the same config as its *own base*
  (width_mult 1, default ``attn_mult``, ``output_mult`` 1): muP then computes exactly what SP
  computes (tests/test_models.py), and the model can be widened from there.
* ``to_sp(model)``: a (trained) muP model -> the plain transformers class, muP's multipliers folded
  into the weights, so it runs wherever transformers runs (pipelines, ``generate``, serving stacks):
  - attention: q is multiplied by ``scaling / sp_scaling`` (q enters the logits linearly; RoPE is a
    rotation, so it commutes), the upstream 1/sqrt(d_head) scaling then gives muP's logits;
  - input multiplier: every ``MuEmbedding`` table is multiplied by ``input_mult``;
  - residual branches (a base depth: CompleteP): m_L^-alpha goes into each branch's output projection
    (weight and bias), which nothing else reads;
  - readouts: ``output_mult / width_mult`` goes into the readout weight. A tied readout gets its own
    (untied) weight in SP, since the shared matrix also serves as the embedding; T5, which always
    ties, takes the factor in the decoder's final norm instead (its only consumer is the LM head).
"""
import torch
import transformers
from mup import MuReadout

from .core.depth import ResidualBranchOutput
from .core.errors import MuPError
from .core.layers import MuEmbedding


def _sp_class(mu_model):
    name = type(mu_model).__name__
    if not name.startswith("Mu") or not hasattr(transformers, name[2:]):
        raise MuPError(f"{name} is not a mutransformers model class; to_sp converts those.")
    return getattr(transformers, name[2:])


def _mu_class(sp_model):
    import mutransformers
    from .generic import muclass_by_name
    name = f"Mu{type(sp_model).__name__}"
    cls = getattr(mutransformers, name, None) or muclass_by_name(name)  # declared, or built by the generic path
    if cls is None:
        raise MuPError(f"No muP class for {type(sp_model).__name__}: mutransformers declares "
                       f"{sorted(mutransformers.ARCHITECTURES)}; another Llama-shaped decoder needs "
                       f"`mutransformers check-arch <model_type>`, then mutransformers.generic.register(<model_type>).")
    return cls


def _config_dict(config) -> dict:
    fields = config.to_dict()
    for key in ("model_type", "architectures", "transformers_version"):
        fields.pop(key, None)
    return fields


def from_sp(sp_model, **mup_fields):
    """The muP twin of a transformers model, as its own base (equal outputs). ``mup_fields`` go to the config."""
    mu_class = _mu_class(sp_model)
    config = mu_class.config_class(**_config_dict(sp_model.config), **mup_fields)
    mu_model = mu_class(config)
    mu_model.load_state_dict(sp_model.state_dict(), strict=True)
    return mu_model


def _mup_fields() -> set:
    from .core.config import MuConfigMixin
    return set(MuConfigMixin.__dataclass_fields__)


@torch.no_grad()
def to_sp(mu_model):
    """The plain transformers model computing what ``mu_model`` computes (multipliers folded into weights)."""
    sp_class = _sp_class(mu_model)
    fields = {k: v for k, v in _config_dict(mu_model.config).items() if k not in _mup_fields()}
    is_t5 = "T5" in sp_class.__name__
    readouts = {name: m for name, m in mu_model.named_modules() if isinstance(m, MuReadout)}
    embeddings = mu_model.get_input_embeddings()
    tied = [name for name, m in readouts.items() if embeddings is not None and m.weight is embeddings.weight]
    if tied and not is_t5:
        fields["tie_word_embeddings"] = False  # the tied readout gets its own, scaled weight
    sp_model = sp_class(sp_class.config_class(**fields))
    state = {k: v.clone() for k, v in mu_model.state_dict().items()}
    for name, module in mu_model.named_modules(remove_duplicate=False):  # T5 shares one embedding module
        if hasattr(module, "sp_scaling"):  # attention: fold scaling / sp_scaling into q
            ratio = module.scaling / module.sp_scaling  # sp_scaling: what upstream computes with this config
            for weight, view in type(mu_model).mup_logit_scale_weights(module):
                param = _name_of(mu_model, weight)
                mask = _view_mask(weight, view)  # a fused q/k/v weight: only the query's entries
                offset = type(mu_model).mup_gain_offset if view is None and weight.dim() == 1 else 0.0
                state[param] = torch.where(mask, (state[param] + offset) * ratio - offset, state[param])
                bias = param[:-len("weight")] + "bias"
                if bias in state:
                    outputs = _output_mask(mask, state[bias].numel())
                    state[bias] = torch.where(outputs, state[bias] * ratio, state[bias])
        elif isinstance(module, MuEmbedding):
            factor = module.input_mult * getattr(module, "mup_sp_scale_ratio", 1.0)  # Gemma: sqrt(base / width)
            if factor != 1.0:
                state[f"{name}.weight"] = state[f"{name}.weight"] * factor
        if isinstance(module, ResidualBranchOutput) and module.branch_multiplier != 1.0:
            for key in (f"{name}.weight", f"{name}.bias"):
                if key in state:
                    state[key] = state[key] * module.branch_multiplier
    for name, module in readouts.items():
        factor = module.output_mult / module.width_mult()
        if name in tied and is_t5:  # SP: d_model**-0.5 * x @ (input_mult * E).T; muP: d_base**-0.5 * factor * x @ E.T
            if mu_model.config.scale_decoder_outputs:
                factor *= (mu_model.model_dim / sp_model.model_dim) ** -0.5
            norm = "decoder.final_layer_norm.weight"
            state[norm] = state[norm] * factor / getattr(embeddings, "input_mult", 1.0)
            state[f"{name}.weight"] = state[_name_of(mu_model, embeddings.weight)]  # still tied: same tensor
        elif name in tied:  # its own copy of the (unscaled) shared matrix
            state[f"{name}.weight"] = embeddings.weight.detach() * factor
        else:
            state[f"{name}.weight"] = state[f"{name}.weight"] * factor
    missing, unexpected = sp_model.load_state_dict(state, strict=False)
    if unexpected or [k for k in missing if not any(k.startswith(t) for t in tied)]:
        raise MuPError(f"to_sp could not map every weight: missing {missing}, unexpected {unexpected}.")
    return sp_model


def _name_of(model, tensor) -> str:
    for name, p in model.named_parameters(remove_duplicate=False):
        if p is tensor:
            return name
    raise MuPError("query weight not found among the model's parameters")


def _view_mask(weight, view):
    """True where ``view`` (a view of ``weight``, any strides; None: all of it) reads ``weight``."""
    mask = torch.zeros(weight.shape, dtype=torch.bool)
    if view is None:
        return mask.fill_(True)
    mask.as_strided(view.size(), view.stride(), view.storage_offset() - weight.storage_offset()).fill_(True)
    return mask


def _output_mask(mask, bias_size: int):
    """The bias entries of the outputs a weight mask covers: the weight dim the bias runs along (Linear's
    first, Conv1D's last; a fused weight is never square)."""
    dim = 0 if mask.shape[0] == bias_size else mask.dim() - 1
    return mask.any(dim=1 - dim) if mask.dim() == 2 else mask
