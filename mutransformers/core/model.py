"""The muP mixin every architecture's PreTrainedModel shares.

``class MuBertPreTrainedModel(MuPreTrainedModel, BertPreTrainedModel)`` is all a model needs, plus
two declarations: ``mup_attention_classes`` (modules holding ``scaling``) and
``mup_query_weights(module)`` (the query projection, for ``query_zero_init``). The mixin

1. builds the upstream model with every upstream init switched off (``no_init_weights``), so
   nothing is drawn twice: upstream sub-models (a plain ``BertModel`` inside ``BertForMaskedLM``)
   would otherwise draw standard-parametrization weights in their own ``post_init``;
2. in ``post_init`` sets ``infshape`` on every parameter (from the config), re-classes readouts
   and embeddings, and scales attention;
3. initializes once, in muP, with one init rule for the whole module tree, and ties weights;
4. rebuilds ``infshape`` after ``from_pretrained`` without touching a loaded weight, and records
   hand-set base shapes in the config on ``save_pretrained``.
"""
import contextlib
import contextvars
import json
from pathlib import Path

import torch
from mup import MuReadout
from torch import nn
from transformers import initialization as hf_init
from mup.infshape import InfDim, InfShape
from transformers.pytorch_utils import Conv1D

from .attention import make_mup_attention
from .config import MuConfigMixin, config_from_name
from .depth import mark_residual_branches
from .errors import MuPError
from .init import mup_init_functions, zeros_unless_loaded
from .layers import convert_layers
from .shapes import attach_infshapes, building_probe, derived_base_shapes, fix_conv1d_infshape, live_base_shapes


# The embedding or readout being resized: modules upstream builds meanwhile take its muP (see resizing below).
_resizing = contextvars.ContextVar("mutransformers_resizing", default=None)


class MuPreTrainedModel:
    mup_attention_classes: tuple = ()
    mup_attention_folded_into_init = False  # T5: no 1/sqrt(d_head) in the forward (see attention.py)
    mup_residual_blocks: tuple = ()  # the repeated pre-norm block classes (depth transfer, core/depth.py)
    mup_gain_offset = 0.0  # norms computing x * (offset + weight) (Gemma: 1): what to_sp folds a scale into

    @staticmethod
    def mup_query_weights(module) -> list:
        """Views of ``module``'s query projection weights, as (parameter, view) pairs."""
        return []

    @staticmethod
    def mup_literal_attention_scale(module) -> float | None:
        """The attention scale upstream's forward passes to the kernel as a literal instead of reading the
        module's ``scaling`` (ModernBERT); None: upstream reads ``scaling``."""
        return None

    @classmethod
    def mup_logit_scale_weights(cls, module) -> list:
        """Where ``to_sp`` folds the attention scale, as (parameter, view) pairs: the query projection,
        unless a norm follows it (Qwen3's q_norm: its gain then carries the factor)."""
        return cls.mup_query_weights(module)

    @staticmethod
    def mup_branch_outputs(block) -> list:
        """The output projections of ``block``'s residual branches (each feeds a residual add)."""
        return []

    def mup_depth_field_of(self, block_name: str) -> str:
        """The config's layer field counting the stack that block ``block_name`` belongs to."""
        return self.config.mup_depth_fields[0]

    def __init__(self, config, *args, **kwargs):
        if not isinstance(config, MuConfigMixin):
            raise MuPError(
                f"{type(self).__name__} needs a muP config, got {type(config).__name__}. Use the config "
                f"class from mutransformers (e.g. mutransformers.{type(self).config_class.__name__}"
                f"(**config.to_dict())) or convert the model with mutransformers' converter.")
        self._mup_init_args = (args, kwargs)
        with hf_init.no_init_weights():  ### muP: draw every weight once, below, in muP
            super().__init__(config, *args, **kwargs)
        self.tie_weights(recompute_mapping=False)
        self.init_weights()

    def post_init(self):
        if not building_probe():
            ### muP: widths known, readouts/embeddings re-classed, attention 1/d — before init and tying
            convert_layers(self, attach_infshapes(self), self.config)
            mark_residual_branches(self)  ### muP: CompleteP's m_L^-alpha on every residual branch
            for module in self.modules():
                if isinstance(module, self.mup_attention_classes):
                    self._set_attention(module)
        super().post_init()

    @torch.no_grad()
    @hf_init.guard_torch_init_functions()
    def initialize_weights(self):
        ### muP: one rule for the whole tree — upstream sub-models would dispatch to their own SP init
        attach_infshapes(self)  # loading replaces parameters, which drops `infshape`
        with _tied_readouts_drawn_apart(self):
            self.apply(self._initialize_weights)

    @torch.no_grad()
    def _init_weights(self, module):
        ### muP: the upstream rules as they would draw the base model, then hidden stds / sqrt(width_mult)
        resized = _resizing.get()
        if resized is not None and module is not resized:  # the new, plain module of a resize
            _take_infshapes(module, resized)
        if isinstance(module, Conv1D):
            fix_conv1d_infshape(module)  # after a hand-called mup.set_base_shapes
        if next(module.parameters(), None) is None:
            ### muP: nothing to draw below it (rotary embeddings): its buffers describe this model, not the base
            super()._init_weights(module)
        else:
            with mup_init_functions(), self.config.base_dims():
                super()._init_weights(module)
        is_readout = isinstance(module, MuReadout) or isinstance(resized, MuReadout)
        if is_readout and self.config.readout_zero_init and not self._is_tied(module):
            zeros_unless_loaded(module.weight)
            if module.bias is not None:
                zeros_unless_loaded(module.bias)
        if isinstance(module, self.mup_attention_classes) and self.config.query_zero_init:
            for weight, view in self.mup_query_weights(module):
                zeros_unless_loaded(weight, view)

    def _set_attention(self, module):
        ### muP: scaling becomes a property derived from the config and the query's infshape on every read
        query_weight, query_view = self.mup_query_weights(module)[0]
        make_mup_attention(module, self.config, query_weight, self.mup_attention_folded_into_init, query_view,
                           self.mup_literal_attention_scale(module))

    def _get_resized_embeddings(self, old_embeddings, *args, **kwargs):
        ### muP: new rows drawn by the muP rule of the table they extend; infshape follows the new size
        return self._resize_keeping_mup(old_embeddings, super()._get_resized_embeddings, args, kwargs)

    def _get_resized_lm_head(self, old_lm_head, *args, **kwargs):
        ### muP: upstream returns a plain nn.Linear: the resized head stays the old head's MuReadout
        return self._resize_keeping_mup(old_lm_head, super()._get_resized_lm_head, args, kwargs)

    def _resize_keeping_mup(self, old, resize, args, kwargs):
        infshapes = {name: p.infshape for name, p in old.named_parameters() if hasattr(p, "infshape")}
        token = _resizing.set(old)
        try:
            new = resize(old, *args, **kwargs)
        finally:
            _resizing.reset(token)
        if new is not old:  # a new module: give it the old one's class and muP attributes
            new.__class__ = type(old)
            for name in ("mup_config", "readout_zero_init", "_width_mult"):
                if name in old.__dict__:
                    new.__dict__[name] = old.__dict__[name]
        for name, p in new.named_parameters():
            if name in infshapes:
                p.infshape = _resized_infshape(infshapes[name], p.shape)
        return new

    def _is_tied(self, readout) -> bool:
        # zero-init must never reach a shared input embedding (microsoft/mutransformers did that)
        embeddings = self.get_input_embeddings()
        return embeddings is not None and readout.weight is embeddings.weight

    @classmethod
    def from_pretrained(cls, pretrained_model_name_or_path=None, *args, **kwargs):
        """Also loads a single state-dict file (.safetensors/.bin/.pt) given ``config=`` (a config or a
        preset name), and refuses a standard-parametrization checkpoint (plain transformers model type)."""
        path = pretrained_model_name_or_path
        named = config_from_name(kwargs.get("config"))
        if named is not None:
            kwargs["config"] = named
        if path is not None and Path(path).is_file():
            return cls._from_state_dict_file(Path(path), kwargs.pop("config", None))
        _refuse_sp_checkpoint(cls, path)
        if isinstance(kwargs.get("config"), MuConfigMixin) and path is not None and Path(path).is_dir():
            kwargs["config"].resolve_saved_base_shapes(path)  # AutoModel's config, read by transformers' loader
        wants_info = kwargs.pop("output_loading_info", False)
        model, info = super().from_pretrained(path, *args, output_loading_info=True, **kwargs)
        _refuse_incomplete_checkpoint(model, path, info)
        attach_infshapes(model)  ### muP: loading replaces parameters, which drops `infshape`
        _realign(model)
        return (model, info) if wants_info else model

    @classmethod
    def _from_state_dict_file(cls, path: Path, config):
        if config is None:
            raise MuPError(f"{path.name} holds weights only: pass config= (a {cls.config_class.__name__}, a "
                           "config.json path or a preset name such as 'mugpt2-small').")
        if isinstance(config, (str, Path)):
            config = cls.config_class.from_json_file(str(config))
        if path.suffix == ".safetensors":
            from safetensors.torch import load_file
            state_dict = load_file(str(path))
        else:
            state_dict = torch.load(path, map_location="cpu", weights_only=True)
        model = cls(config)
        try:
            result = model.load_state_dict(state_dict, strict=False)
        except RuntimeError as error:  # shape mismatches
            raise MuPError(f"{path.name} does not fit {cls.__name__}({type(config).__name__}): {error}. "
                           "Check the config matches the weights.") from None
        missing = [k for k in result.missing_keys if k not in model.all_tied_weights_keys]  # tied: saved once
        if missing or result.unexpected_keys:
            raise MuPError(f"{path.name} does not fit {cls.__name__}({type(config).__name__}): missing "
                           f"{missing[:5]}, unexpected {result.unexpected_keys[:5]}. Check the config matches.")
        model.tie_weights()
        return model

    def save_pretrained(self, *args, **kwargs):
        ### muP: base shapes set by hand (mup.set_base_shapes) are not derivable from the config
        live = live_base_shapes(self)
        if self.config.mup_base_shapes is None and live != derived_base_shapes(self):
            self.config.mup_base_shapes = live
        return super().save_pretrained(*args, **kwargs)


@contextlib.contextmanager
def _tied_readouts_drawn_apart(model):
    """Upstream initializes before it ties, so a tied matrix keeps the *embedding's* init and whatever the
    head's rule draws is dropped (ModernBERT draws its decoder with a depth-scaled std). We tie first (the
    readout must be a MuReadout sharing the embedding's infshape), so a tied readout draws into a stand-in."""
    embeddings = model.get_input_embeddings()
    shared = [m for m in model.modules() if isinstance(m, MuReadout) and embeddings is not None
              and m.weight is embeddings.weight]
    for readout in shared:
        stand_in = nn.Parameter(torch.empty_like(readout.weight))
        stand_in.infshape = readout.weight.infshape
        readout.weight = stand_in
    try:
        yield
    finally:
        for readout in shared:
            readout.weight = embeddings.weight


def _resized_infshape(infshape, shape):
    """The infshape of a resized tensor: same base dims, new sizes (only the vocabulary, a finite dim, changes)."""
    return type(infshape)([InfDim(d.base_dim, n) for d, n in zip(infshape, shape)])


def _take_infshapes(module, resized):
    for name, p in module.named_parameters(recurse=False):
        old = getattr(resized.get_parameter(name), "infshape", None) if hasattr(resized, name) else None
        if old is not None and not hasattr(p, "infshape"):
            p.infshape = _resized_infshape(old, p.shape)


def _realign(model):
    """Copy CPU weights that loading left off 64-byte alignment into aligned memory.

    safetensors hands out zero-copy views 16 bytes off alignment; BLAS then sums in another order
    and a reloaded model differs from the saved one by ~1e-9. With aligned copies it is bit-exact.
    """
    for p in model.parameters():
        if p.device.type == "cpu" and p.data_ptr() % 64:
            p.data = p.data.clone()


def _refuse_incomplete_checkpoint(model, path, info):
    """A checkpoint saved by this very class must hold exactly its tensors.

    Loading into another head (a pretrained body under a new classifier) legitimately leaves the new
    head to be initialized, in muP, as transformers does; the same class with tensors missing or extra
    is a damaged or mismatched checkpoint, and training on from randomly drawn weights is silent harm.
    """
    if type(model).__name__ not in (model.config.architectures or []):
        return
    missing, unexpected = info.get("missing_keys") or [], info.get("unexpected_keys") or []
    if missing or unexpected:
        raise MuPError(
            f"{path} was saved by {type(model).__name__} but does not hold its tensors: missing "
            f"{sorted(missing)[:5]}, unexpected {sorted(unexpected)[:5]}. The checkpoint is damaged or "
            "its config.json belongs to another model; re-save it, or load the weights into the class they "
            "were saved from.")


def _refuse_sp_checkpoint(cls, path):
    config_file = Path(path) / "config.json" if path is not None and Path(path).is_dir() else None
    if config_file is None or not config_file.exists():
        return
    model_type = json.loads(config_file.read_text()).get("model_type")
    expected = cls.config_class.model_type
    if model_type != expected and f"mu{model_type}" == expected:
        raise MuPError(
            f"{path} holds a standard-parametrization {model_type!r} checkpoint, not a muP {expected!r} one. "
            f"Convert it: mutransformers.from_sp(transformers.{cls.__name__[2:]}.from_pretrained({str(path)!r})).")
