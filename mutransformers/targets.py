"""The model a user wants to train (the *target*) and the narrow *proxy* muP tunes for it.

A target is a shipped preset (``mullama-1b``), a muP config.json, a checkpoint folder holding one, or
a plain transformers config.json of a supported architecture (``model_type: gpt2``...: read as the
muP config with the same fields).

The proxy is the target's muP *base*: the target with its model width set to the proxy's, the FFN
width scaled by the same ratio and the head count too (the head dim is kept, as the presets do), and
``mup_base`` of the target set to exactly those dims. So the proxy is, by construction, the model
muP measures the target's widths against: an optimum found on the proxy is the target's (TP V,
Section 3; its GPT-3 experiment tuned a width-256 proxy of the same depth).

A shallower proxy (``proxy_layers``) is the target's base depth too, on the pre-LN architectures
(GPT-2, Llama, T5): the target then trains with CompleteP's depth rules (core/depth.py), which carry
the proxy's optimum across depth. A target that declares a base depth already (a preset) gets a
proxy of that depth unless told otherwise. BERT and RoBERTa are post-LN and have no depth rules: a
shallower proxy there is muP in width only, and a warning says so.
"""
import warnings
import copy
import json
from pathlib import Path

from .auto import ARCHITECTURES
from .core.config import MuConfigMixin, config_from_name
from .core.errors import MuPError

# the causal-LM / masked-LM / seq2seq head each architecture trains with
TRAINING_CLASS = {"mubert": "AutoModelForMaskedLM", "muroberta": "AutoModelForMaskedLM",
                  "mugpt2": "AutoModelForCausalLM", "mullama": "AutoModelForCausalLM",
                  "mut5": "AutoModelForSeq2SeqLM", "mumistral": "AutoModelForCausalLM",
                  "muqwen2": "AutoModelForCausalLM", "muqwen3": "AutoModelForCausalLM",
                  "muolmo2": "AutoModelForCausalLM", "muphi3": "AutoModelForCausalLM",
                  "mugpt_neox": "AutoModelForCausalLM", "mugemma3_text": "AutoModelForCausalLM",
                  "mubart": "AutoModelForSeq2SeqLM", "mumodernbert": "AutoModelForMaskedLM"}


def load_target(spec: str) -> MuConfigMixin:
    """A preset name, a config.json (muP or plain transformers), or a folder holding config.json."""
    named = config_from_name(str(spec))
    if named is not None:
        return named
    path = Path(spec)
    if path.is_dir():
        path = path / "config.json"
    if not path.is_file():
        raise MuPError(f"Target {spec!r} is neither a preset nor a config.json or a folder holding one. "
                       f"Give a preset (`mutransformers presets` lists them) or a path.")
    try:
        fields = json.loads(path.read_text())
    except (OSError, json.JSONDecodeError) as error:
        raise MuPError(f"Target {path} is not a readable JSON config: {error}") from error
    model_type = str(fields.pop("model_type", ""))
    mu_type = model_type if model_type.startswith("mu") else f"mu{model_type}"
    if mu_type not in ARCHITECTURES:
        supported = sorted(ARCHITECTURES) + sorted(t[2:] for t in ARCHITECTURES)
        raise MuPError(f"Target {path} has model_type {model_type!r}; supported: {supported}.")
    for key in ("architectures", "transformers_version"):
        fields.pop(key, None)
    config_class = ARCHITECTURES[mu_type].AUTO_CLASSES["AutoModel"].config_class
    return config_class.from_json_file(str(path), **{}) if model_type == mu_type else config_class(**fields)


def width_of(config) -> int:
    return getattr(config, config.mup_width_fields[0])


def layers_field(config) -> str:
    for name in ("n_layer", "num_hidden_layers", "num_layers"):
        if hasattr(config, name):
            return name
    raise MuPError(f"{type(config).__name__} has no layer-count field.")


def proxy_base(target, proxy_width: int) -> dict:
    """The ``mup_base`` dims that make a model of ``proxy_width`` the target's base (head dim kept)."""
    width_field, *other_fields = target.mup_width_fields
    width, head_dim = width_of(target), target.mup_head_dim()
    if not 0 < proxy_width <= width:
        raise MuPError(f"--proxy-width {proxy_width}: it must be positive and at most the target's width "
                       f"({width_field}={width}).")
    ratio = proxy_width / width
    heads = getattr(target, target.mup_head_field)
    proxy_heads = heads * ratio
    if proxy_heads != int(proxy_heads) or proxy_heads < 1:
        raise MuPError(f"--proxy-width {proxy_width} is not a valid base for the target: it keeps the head dim "
                       f"{head_dim}, so {target.mup_head_field} would be {heads} * {proxy_width}/{width} = "
                       f"{proxy_heads:g}. Use a multiple of {head_dim} that divides {width} into a whole "
                       f"number of heads.")
    base = {width_field: proxy_width, target.mup_head_field: int(proxy_heads)}
    head_dim_fields = {"head_dim", "d_kv"}
    for name in other_fields:
        value = getattr(target, name, None)
        if value is None or name in head_dim_fields:  # GPT-2's n_inner None follows n_embd; the head dim is kept
            continue
        base[name] = max(1, round(value * ratio))
    kv_heads = getattr(target, "num_key_value_heads", None)
    if kv_heads:  # grouped-query attention: the proxy keeps the target's query heads per key/value head
        proxy_kv = kv_heads * ratio
        if proxy_kv != int(proxy_kv) or proxy_kv < 1:
            group = heads // kv_heads
            raise MuPError(f"--proxy-width {proxy_width} gives {int(proxy_heads)} attention heads, which cannot keep "
                           f"the target's {group} query heads per key/value head (num_key_value_heads={kv_heads}). "
                           f"Use a proxy width that is a multiple of {group * head_dim}.")
        base["num_key_value_heads"] = int(proxy_kv)
    return base


def derive_proxy(target, proxy_width: int, proxy_layers: int | None = None, depth_alpha: float | None = None):
    """(proxy config, target config based on the proxy). The proxy is its own base (width_mult 1, and
    depth multiplier 1 where the target has a base depth)."""
    target = copy.deepcopy(target)
    field = layers_field(target)
    declared_depth = target.mup_depth_base().get(target._canonical_field(field))
    if proxy_layers is None:
        proxy_layers = declared_depth
    if proxy_layers is not None and proxy_layers < 1:
        raise MuPError(f"--proxy-layers {proxy_layers}: it must be at least 1.")
    base = proxy_base(target, proxy_width)
    shallower = proxy_layers is not None and proxy_layers != getattr(target, field)
    depth_rules = target._canonical_field(field) in target.mup_depth_fields
    if shallower and depth_rules:  # CompleteP: the proxy's depth is the target's base depth
        base[field] = proxy_layers
        target.depth_alpha = depth_alpha if depth_alpha is not None else target.depth_alpha
    else:
        target.depth_alpha = None
        if depth_alpha is not None:
            raise MuPError(f"depth_alpha={depth_alpha} needs a proxy shallower than the target on a pre-LN "
                           "architecture (--proxy-layers): without a base depth there are no depth rules.")
    target.mup_base = base
    target.mup_base_shapes = None
    target.validate_mup()
    proxy = target.mup_base_config()
    if shallower and not depth_rules:
        why = next(iter(target.mup_depth_refused.values()), "it has no depth rules")
        warnings.warn(f"--proxy-layers {proxy_layers}: the target has {getattr(target, field)} layers, but "
                      f"{type(target).__name__}: {why} The proxy's optimum is used at the target's depth as is "
                      "(muP transfers across width only here).", UserWarning, stacklevel=2)
        setattr(proxy, field, proxy_layers)
        if getattr(proxy, "num_decoder_layers", None) is not None:
            proxy.num_decoder_layers = proxy_layers
    proxy.validate_mup()
    return proxy, target


def parameter_count(config) -> int:
    """Parameters of the model a config describes (built on the meta device: no memory, no init)."""
    import torch
    with torch.device("meta"):
        model = training_class(config)(config)
    return sum(p.numel() for p in model.parameters())


def training_class(config):
    """The muP class trained on text for this config's architecture (causal, masked or seq2seq LM)."""
    package = ARCHITECTURES[config.model_type]
    return package.AUTO_CLASSES[TRAINING_CLASS[config.model_type]]


def training_flops(config, tokens: int) -> float:
    """6 * parameters * tokens: the usual estimate of a training run's FLOPs (Kaplan et al. 2020)."""
    return 6.0 * parameter_count(config) * tokens
