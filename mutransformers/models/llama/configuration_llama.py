"""muP Llama config: ``LlamaConfig`` plus the muP fields of ``MuConfigMixin``.

``LlamaStyleMuP`` holds what every Llama-shaped decoder declares (Llama, Mistral, Qwen2, Qwen3): the
widths, the head field, grouped-query attention and the base's own head dim; their configs mix it in.
"""
from transformers import LlamaConfig

from ...core import MuConfigMixin, MuPError


class LlamaStyleMuP:
    # head_dim is a width of its own (q/k/v/o shapes scale with it); num_key_value_heads stays fixed
    mup_width_fields = ("hidden_size", "intermediate_size", "head_dim")
    mup_head_field = "num_attention_heads"
    mup_heads_must_divide = False  # head_dim * heads may differ from hidden_size
    # a base may have fewer key/value heads (a narrow proxy that keeps the query heads per kv head)
    mup_base_extra_fields = ("num_key_value_heads",)
    mup_depth_fields = ("num_hidden_layers",)  # pre-norm: CompleteP applies (core/depth.py)

    def mup_head_dim(self) -> int:
        if "head_dim" not in self.mup_width_fields:  # Qwen2: derived by the attention, not a field
            return self.hidden_size // self.num_attention_heads
        return self.head_dim

    def mup_base_config(self, with_base_depth: bool = True):
        base = super().mup_base_config(with_base_depth)
        if "head_dim" not in self.mup_width_fields:
            return base
        ### muP: upstream derives head_dim = hidden_size // heads once; the base derives its own
        if "head_dim" not in (self.mup_base or {}) and self.head_dim == self.hidden_size // self.num_attention_heads:
            base.head_dim = base.hidden_size // base.num_attention_heads
        return base


class QKNormMuP:
    """For decoders that RMS-normalize q and k (Qwen3 per head, OLMo-2 over the projection): refuses
    ``query_zero_init``. RMSNorm maps 0 to 0 with slope 1/sqrt(eps), so the first small update of a zero
    query would become a full-size normalized query at once."""

    def validate_mup(self):
        super().validate_mup()
        ### muP: a zero query meets q_norm, whose Jacobian at 0 is 1/sqrt(eps)
        if self.query_zero_init:
            raise MuPError(f"query_zero_init=True with {type(self).__name__}'s QK-norm: q_norm(0) is 0, but its slope "
                           f"there is 1/sqrt(rms_norm_eps) = {self.rms_norm_eps ** -0.5:.0f}, so the first update jumps "
                           "the normalized query to full size. Leave query_zero_init False (the default) for QK-norm "
                           "architectures.")


class MuLlamaConfig(LlamaStyleMuP, MuConfigMixin, LlamaConfig):
    model_type = "mullama"
