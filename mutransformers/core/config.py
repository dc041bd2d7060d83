"""muP fields shared by every architecture's config.

A muP config is the upstream config plus the hyperparameters muP adds (TP V, Section 8 and
Appendix F) and a record of the *base* model the widths are measured against.
"""
import contextlib
import contextvars
import copy
import math
from dataclasses import dataclass
from pathlib import Path

from huggingface_hub.errors import StrictDataclassError

from .depth import check_depth_base, validate_depth
from .errors import MuPError
from .shapes import base_dims, resolve_saved_path

# True while a config is built from a saved dict (config.json): a file it names is not read yet.
_from_saved = contextvars.ContextVar("mutransformers_config_from_saved", default=False)

# Config names (the shipped presets) are resolved above the core: mutransformers.presets registers its
# resolver here, so the core never imports the layers built on it.
_config_name_resolver = None


def register_config_names(resolver):
    """``resolver(name, **overrides)`` -> a config, or None where ``name`` is not one of its names."""
    global _config_name_resolver
    _config_name_resolver = resolver


def config_from_name(name, **overrides):
    """The config a registered name stands for (a preset), or None."""
    if _config_name_resolver is None or not isinstance(name, str):
        return None
    return _config_name_resolver(name, **overrides)


@dataclass(kw_only=True, repr=False)
class MuConfigMixin:
    """Mixed into an upstream config class (``class MuBertConfig(MuConfigMixin, BertConfig)``).

    Each architecture declares, as class attributes:
      * ``mup_width_fields``: config fields that grow with width (model dim, FFN dim, ...);
      * ``mup_head_field``: the field holding the number of attention heads;
      * ``mup_head_dim()``: the attention head dimension of this config.
    """

    # Attention logits are `attn_mult * q.k / d_head`. None: sqrt(d_head of the *base* model),
    # so that muP equals standard parametrization at base width (avoids mup issue #8).
    attn_mult: float | None = None
    # Readout logits are `output_mult * x @ W.T / width_mult` (mup.MuReadout).
    output_mult: float = 1.0
    # Every width-valued embedding lookup (the input layer) is multiplied by `input_mult`.
    input_mult: float = 1.0
    # Zero-initialize untied readouts / the query projections (TP V, Appendix D.2).
    readout_zero_init: bool = False
    query_zero_init: bool = False
    # Config fields of the base model that differ from this one, e.g. {"hidden_size": 256}.
    # None: this model is its own base (width_mult 1): the small proxy you tune.
    mup_base: dict | None = None
    # Per-parameter base shapes ({name: [base_dim or None, ...]}), or a path to a mup `.bsh`
    # file. Set only when they cannot be derived from `mup_base` (the manual
    # `make_base_shapes` / `set_base_shapes` workflow); `save_pretrained` records them then.
    mup_base_shapes: dict | str | None = None
    # CompleteP's residual exponent (core/depth.py): branches x (L / L_base)^-depth_alpha. Only with a
    # layer count in `mup_base`; None there means 1.0 (CompleteP), 0.5 is Depth-muP.
    depth_alpha: float | None = None

    # Declared by each architecture (class attributes, not config fields).
    mup_width_fields = ()
    mup_head_field = ""
    mup_heads_must_divide = True  # width % heads == 0 (False where d_head is a field of its own)
    mup_base_extra_fields = ()  # other fields a base may set (Llama's num_key_value_heads)
    # layer-count fields a base may set (CompleteP), one per stack; the first is the main one
    mup_depth_fields = ()
    mup_depth_refused = {}  # {layer field: why this architecture has no depth rules}

    def __post_init__(self, **kwargs):
        super().__post_init__(**kwargs)
        if isinstance(self.mup_base_shapes, str) and not _from_saved.get():
            self.mup_base_shapes = base_dims(self.mup_base_shapes)  # a path the user gave in Python
        self.validate_mup()

    @classmethod
    def from_dict(cls, config_dict, **kwargs):
        """A saved config: a .bsh file it names is read later, only inside its checkpoint folder."""
        token = _from_saved.set(True)
        try:
            return super().from_dict(config_dict, **kwargs)
        finally:
            _from_saved.reset(token)

    def resolve_saved_base_shapes(self, folder):
        """Read the .bsh file a saved config names, relative to (and only inside) its folder."""
        if isinstance(self.mup_base_shapes, str):
            self.mup_base_shapes = base_dims(str(resolve_saved_path(self.mup_base_shapes, folder)))
        return self

    @classmethod
    def from_pretrained(cls, pretrained_model_name_or_path, *args, **kwargs):
        """Also takes a shipped preset name (``"mugpt2-small"``) with keyword overrides."""
        config = config_from_name(pretrained_model_name_or_path, **kwargs)
        if config is not None:
            if not isinstance(config, cls):
                raise MuPError(f"{pretrained_model_name_or_path!r} is a {type(config).__name__} preset, "
                               f"not a {cls.__name__}: use mutransformers.AutoConfig.from_pretrained.")
            return config
        result = super().from_pretrained(pretrained_model_name_or_path, *args, **kwargs)
        config = result[0] if isinstance(result, tuple) else result
        path = Path(pretrained_model_name_or_path)
        config.resolve_saved_base_shapes(path if path.is_dir() else path.parent if path.is_file() else None)
        return result

    @classmethod
    def from_json_file(cls, json_file, **overrides):
        """A config from a JSON file, with keyword overrides (``n_layer=6``) validated like any field."""
        token = _from_saved.set(True)
        try:
            config = cls(**{**cls._dict_from_json_file(json_file), **overrides})
        finally:
            _from_saved.reset(token)
        return config.resolve_saved_base_shapes(Path(json_file).parent)

    # -- dims -------------------------------------------------------------------------------
    def mup_head_dim(self) -> int:
        return getattr(self, self.mup_width_fields[0]) // getattr(self, self.mup_head_field)

    def _canonical_field(self, name: str) -> str:
        return self.attribute_map.get(name, name)

    def mup_base_config(self, with_base_depth: bool = True):
        """A copy of this config with the base model's dims and no muP base of its own.

        ``with_base_depth=False`` keeps this model's own layer count: the shape probes compare
        parameters one by one, and depth is not a dim of any parameter.
        """
        base = copy.deepcopy(self)
        for name, value in (self.mup_base or {}).items():
            if with_base_depth or self._canonical_field(name) not in self.mup_depth_fields:
                setattr(base, self._canonical_field(name), value)
        if with_base_depth:
            for name, value in self.mup_depth_base().items():  # T5's decoder follows the encoder's base
                setattr(base, name, value)
            layer_types = getattr(base, "layer_types", None)
            layers = getattr(base, "num_hidden_layers", None)
            if isinstance(layer_types, list) and layer_types and layers and len(layer_types) != layers:
                # upstream checks one entry per layer (Qwen3, ModernBERT): the base repeats the model's pattern
                base.layer_types = [layer_types[i % len(layer_types)] for i in range(layers)]
        base.mup_base = None
        base.mup_base_shapes = None
        base.depth_alpha = None
        return base

    def mup_depth_base(self) -> dict:
        """{layer field: base layer count} for the stacks whose depth has a base (empty: width-only muP)."""
        given = {self._canonical_field(name): value for name, value in (self.mup_base or {}).items()
                 if self._canonical_field(name) in self.mup_depth_fields}
        if given and len(self.mup_depth_fields) > 1:
            main = self.mup_depth_fields[0]
            for name in self.mup_depth_fields[1:]:  # a second stack without its own base follows the first's
                if name not in given and main in given and getattr(self, name, None) is not None:
                    given[name] = given[main]
        return given

    def mup_delta_config(self):
        """The base config with every width field doubled: it tells mup which dims are widths."""
        delta = self.mup_base_config(with_base_depth=False)
        for name in self.mup_width_fields:
            value = getattr(delta, name, None)
            if value is not None:
                setattr(delta, name, 2 * value)
        heads = getattr(self, self.mup_head_field)
        if heads != getattr(delta, self.mup_head_field):  # the head count grows with width too
            # so dims that count heads (T5's relative attention bias) are widths, not fixed sizes
            setattr(delta, self.mup_head_field, 2 * getattr(delta, self.mup_head_field))
        return delta

    def default_attn_mult(self, base_head_dim: float) -> float:
        """attn_mult that makes muP attention equal this architecture's own at base width: sqrt(d_head)."""
        return math.sqrt(base_head_dim)

    def base_attn_mult(self) -> float:
        """attn_mult to use: the explicit one, else the default for the base head dim."""
        if self.attn_mult is not None:
            return float(self.attn_mult)
        return self.default_attn_mult(self.mup_base_config().mup_head_dim())

    @contextlib.contextmanager
    def base_dims(self):
        """Within it, this config's width fields hold the base model's values.

        Upstream init formulas that read dims (T5: std = d_model**-0.5, ...) then draw the *base*
        model; the infshape-aware samplers add the muP width factor (see core/init.py).
        """
        overrides = {self._canonical_field(k): v for k, v in (self.mup_base or {}).items()}
        saved = {name: getattr(self, name) for name in overrides}
        try:
            for name, value in overrides.items():
                setattr(self, name, value)
            yield self
        finally:
            for name, value in saved.items():
                setattr(self, name, value)

    # -- validation -------------------------------------------------------------------------
    def validate_mup(self):
        for name in ("output_mult", "input_mult"):
            value = getattr(self, name)
            if not isinstance(value, (int, float)) or isinstance(value, bool) or not value > 0:
                raise MuPError(f"{name}={value!r}: it must be a positive number.")
        if self.attn_mult is not None and (isinstance(self.attn_mult, bool) or
                                           not isinstance(self.attn_mult, (int, float)) or not self.attn_mult > 0):
            raise MuPError(f"attn_mult={self.attn_mult!r}: it must be a positive number, or None for "
                           "sqrt(base head dim).")
        if self.mup_base is not None:
            self._validate_mup_base()
        saved_path = isinstance(self.mup_base_shapes, str) and _from_saved.get()
        if self.mup_base_shapes is not None and not isinstance(self.mup_base_shapes, dict) and not saved_path:
            raise MuPError(f"mup_base_shapes must be a dict {{name: [base dims]}} or a path to a .bsh file, "
                           f"got {type(self.mup_base_shapes).__name__}.")
        for config, what in self.model_and_base():
            if self.mup_heads_must_divide:
                self._check_heads_divide(config, what)
            self._check_head_dim(config, what)
        if self.mup_base:
            self._check_base_is_valid()
        validate_depth(self)

    def _validate_mup_base(self):
        if not isinstance(self.mup_base, dict):
            raise MuPError(f"mup_base must be a dict of base dims such as "
                           f"{{'{self.mup_width_fields[0]}': 256}}, got {self.mup_base!r}.")
        allowed = (set(self.mup_width_fields) | {self.mup_head_field} | set(self.mup_base_extra_fields)
                   | set(self.mup_depth_fields))
        for name, value in self.mup_base.items():
            check_depth_base(self, self._canonical_field(name), value)
            if self._canonical_field(name) not in allowed:
                raise MuPError(f"mup_base has {name!r}, which is not a width of {type(self).__name__}. "
                               f"Allowed keys: {sorted(allowed)}.")
            if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value <= 0):
                raise MuPError(f"mup_base[{name!r}]={value!r}: base dims must be positive integers.")

    def _check_base_is_valid(self):
        """The base model must be one the architecture accepts: run upstream's own config checks on it."""
        validate = getattr(self.mup_base_config(), "validate", None)
        try:
            if validate is not None:
                validate()
        except (StrictDataclassError, ValueError) as error:
            cause = error.__cause__ or error
            raise MuPError(f"mup_base={self.mup_base} describes a base model that {type(self).__name__} rejects: "
                           f"{cause} Choose base dims the architecture accepts.") from error

    def model_and_base(self) -> list:
        """[(this config, "the model")], plus the base model's config when ``mup_base`` names one."""
        pairs = [(self, "the model")]
        if self.mup_base:
            pairs.append((self.mup_base_config(), "the base model (mup_base)"))
        return pairs

    def _check_head_dim(self, config, what):
        heads = getattr(config, self.mup_head_field, None) if self.mup_head_field else None
        if heads and config.mup_head_dim() < 1:
            raise MuPError(f"{what} has {self.mup_width_fields[0]}={getattr(config, self.mup_width_fields[0])} "
                           f"and {self.mup_head_field}={heads}: a head dim below 1. "
                           "Use a width of at least the head count.")

    def _check_heads_divide(self, config, what):
        width = getattr(config, self.mup_width_fields[0])
        heads = getattr(config, self.mup_head_field)
        if heads and width % heads:
            raise MuPError(
                f"{what} has {self.mup_width_fields[0]}={width}, not a multiple of "
                f"{self.mup_head_field}={heads}: every head needs the same d_head. "
                f"Pick a width that {heads} divides, or another head count.")
