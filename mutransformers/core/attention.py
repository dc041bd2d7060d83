"""muP attention: logits scaled attn_mult / d_head instead of 1 / sqrt(d_head) (TP V, Section 6).

In a trained network q and k become correlated, so q.k grows like d_head, not sqrt(d_head).
transformers 5.x hands each attention module's ``scaling`` to the eager, sdpa and flash kernels
alike, so setting that one attribute keeps muP on every backend with no forward rewritten.
"""
import logging
import math

logger = logging.getLogger(__name__)


def attention_multiplier(config, query_weight) -> float:
    """``attn_mult``: the config's, else sqrt(base d_head).

    The base head dim comes from ``config.mup_base``. In the manual workflow (``mup.set_base_shapes``
    with a .bsh file) the base head count is not recorded anywhere; we then assume the base had the
    same number of heads, record the result in ``config.attn_mult`` (so it is saved) and say so.
    """
    if config.attn_mult is not None or config.mup_base is not None:
        return config.base_attn_mult()
    infshape = getattr(query_weight, "infshape", None)
    width_mult = infshape.width_mult() if infshape is not None else 1.0
    if width_mult == 1.0:
        return config.default_attn_mult(config.mup_head_dim())
    base_head_dim = config.mup_head_dim() / width_mult
    config.attn_mult = config.default_attn_mult(base_head_dim)
    logger.warning(
        "attn_mult is not set and the base model's head count is unknown (base shapes came from a "
        "file): assuming the base had the same head count, i.e. base d_head = %g and attn_mult = %.4g. "
        "Set config.attn_mult (or config.mup_base) to choose it.", base_head_dim, config.attn_mult)
    return config.attn_mult


def set_attention_scaling(module, attn_mult: float, head_dim: int, folded_into_init: bool = False):
    """scaling = attn_mult / d_head, keeping any upstream per-layer factor (GPT-2's 1/(layer+1)).

    ``folded_into_init``: the architecture has no 1/sqrt(d_head) in its forward (T5 puts it in the
    query's init), so its upstream ``scaling`` (1.0) carries no per-layer factor to keep.
    """
    if not hasattr(module, "sp_scaling"):
        module.sp_scaling = module.scaling
    layer_factor = 1.0 if folded_into_init else module.sp_scaling * math.sqrt(head_dim)
    module.scaling = layer_factor * attn_mult / head_dim  ### muP: 1/d attention
