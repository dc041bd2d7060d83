"""muP attention: logits scaled attn_mult / d_head instead of 1 / sqrt(d_head) (TP V, Section 6).

In a trained network q and k become correlated, so q.k grows like d_head, not sqrt(d_head).
transformers 5.x hands each attention module's ``scaling`` to the eager, sdpa and flash kernels
alike, so that one attribute keeps muP on every backend with no forward rewritten.

``scaling`` is derived, never stored: every read computes it from the config and the query
weight's current ``infshape``. Base shapes set by any path (our config, ``mup.set_base_shapes`` by
hand, ``attach_infshapes``, loading) therefore take effect at the next forward, and a saved model
computes after loading what it computed before saving.
"""
import functools
import logging
import math

from .errors import MuPError
from .reclass import mixed_class

logger = logging.getLogger(__name__)


def attention_multiplier(config, query_weight) -> float:
    """``attn_mult``: the config's, else sqrt(base d_head).

    The base head dim comes from ``config.mup_base``. In the manual workflow (``mup.set_base_shapes``
    with a .bsh file) the base head count is not recorded anywhere; we then assume the base had the
    same number of heads (the base d_head is d_head / width_mult) and say so once.
    """
    if config.attn_mult is not None or config.mup_base is not None:
        return config.base_attn_mult()
    infshape = getattr(query_weight, "infshape", None)
    width_mult = infshape.width_mult() if infshape is not None else 1.0
    if width_mult == 1.0:
        return config.default_attn_mult(config.mup_head_dim())
    base_head_dim = config.mup_head_dim() / width_mult
    attn_mult = config.default_attn_mult(base_head_dim)
    _warn_assumed_head_count(base_head_dim, attn_mult)
    return attn_mult


@functools.cache
def _warn_assumed_head_count(base_head_dim: float, attn_mult: float):
    logger.warning(
        "attn_mult is not set and the base model's head count is unknown (base shapes came from a file or "
        "mup.set_base_shapes): assuming the base had the same head count, i.e. base d_head = %g and "
        "attn_mult = %.4g. Set config.attn_mult (or config.mup_base) to choose it.", base_head_dim, attn_mult)


class MuAttention:
    """Mixed into an upstream attention class: ``scaling`` = attn_mult / d_head, derived on every read.

    Upstream's ``__init__`` assigns its own scale to ``scaling``; the setter keeps it as ``sp_scaling``,
    from which any per-layer factor is kept (GPT-2's 1/(layer+1)). ``mup_folded_into_init``: the
    architecture has no 1/sqrt(d_head) in its forward (T5 puts it in the query's init), so its
    ``scaling`` (1.0) carries no per-layer factor.
    """

    mup_config = None
    mup_query_name = None
    mup_folded_into_init = False
    mup_literal_scale = False  # upstream's forward passes its own 1/sqrt(d_head), not ``scaling`` (ModernBERT)

    @property
    def scaling(self) -> float:
        config = self.mup_config
        head_dim = config.mup_head_dim()
        attn_mult = attention_multiplier(config, self.get_parameter(self.mup_query_name))
        layer_factor = 1.0 if self.mup_folded_into_init else self.sp_scaling * math.sqrt(head_dim)
        return layer_factor * attn_mult / head_dim  ### muP: 1/d attention

    @scaling.setter
    def scaling(self, value: float):
        self.__dict__["sp_scaling"] = value

    @property
    def query_prescale(self) -> float:
        """What the query projection multiplies q by (1: the kernel reads ``scaling`` itself)."""
        return self.scaling / self.sp_scaling if self.mup_literal_scale else 1.0

    def extra_repr(self) -> str:
        upstream = super().extra_repr()
        return (upstream + ", " if upstream else "") + f"mup_scaling={self.scaling:.4g} (sp {self.sp_scaling:.4g})"


@functools.cache
def mu_attention_class(upstream_class: type) -> type:
    return mixed_class(MuAttention, upstream_class, globals())


class MuQueryProjection:
    """Mixed into the query projection of an attention whose forward hands the kernel a literal
    1/sqrt(d_head) (ModernBERT's ``scaling=self.head_dim**-0.5``) instead of reading ``scaling``.

    ### muP: the query rows of the output are multiplied by ``scaling / sp_scaling``. q enters the logits
    linearly and RoPE is a rotation, so the kernel's literal scale then gives muP's logits on every
    backend, with upstream's forward untouched. The factor is read from the attention on every call.
    """

    def forward(self, hidden_states):
        out = super().forward(hidden_states)
        ratio = self.__dict__["mup_attention"].query_prescale
        if ratio == 1.0:
            return out
        scale = out.new_ones(out.shape[-1])
        scale[self.mup_query_rows[0]: self.mup_query_rows[1]] = ratio
        return out * scale


@functools.cache
def mu_query_projection_class(upstream_class: type) -> type:
    return mixed_class(MuQueryProjection, upstream_class, globals())


def _query_rows(weight, view) -> tuple:
    """(first, last + 1) output row of a Linear weight that ``view`` (its query rows) covers."""
    if view is None:
        return 0, weight.shape[0]
    start, rows = divmod(view.storage_offset() - weight.storage_offset(), weight.stride(0))
    if rows or view.shape[1:] != weight.shape[1:] or view.stride() != weight.stride():
        raise MuPError("A literal attention scale needs the query to be a block of whole output rows of its "
                       f"projection; got a view of shape {list(view.shape)} into {list(weight.shape)}.")
    return start, start + view.shape[0]


def make_mup_attention(module, config, query_weight, folded_into_init: bool = False, query_view=None,
                       literal_scale: float | None = None):
    """Re-class an upstream attention module in place so that its ``scaling`` follows muP.

    ``literal_scale``: the scale upstream's forward passes to the kernel itself; the query projection
    then carries muP's factor (``MuQueryProjection``).
    """
    if not isinstance(module, MuAttention):
        sp_scaling = module.__dict__.pop("scaling", 1.0) if literal_scale is None else literal_scale
        module.__class__ = mu_attention_class(type(module))
        module.scaling = sp_scaling  # T5 has none: its scale is in the init
    module.mup_config = config
    module.mup_query_name = next(name for name, p in module.named_parameters() if p is query_weight)
    module.mup_folded_into_init = folded_into_init
    module.mup_literal_scale = literal_scale is not None
    if literal_scale is not None:
        projection = module.get_submodule(module.mup_query_name.rpartition(".")[0])
        if not isinstance(projection, MuQueryProjection):
            projection.__class__ = mu_query_projection_class(type(projection))
        projection.__dict__["mup_attention"] = module  # not a submodule: no cycle in the module tree
        projection.mup_query_rows = _query_rows(query_weight, query_view)
