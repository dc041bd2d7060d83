"""muP T5 config: ``T5Config`` plus the muP fields of ``MuConfigMixin`` (derivation in modeling_t5.py)."""
from transformers import T5Config

from ...core import MuConfigMixin


class MuT5Config(MuConfigMixin, T5Config):
    model_type = "mut5"
    mup_width_fields = ("d_model", "d_ff", "d_kv")
    mup_head_field = "num_heads"
    mup_depth_fields = ("num_layers", "num_decoder_layers")  # encoder, decoder; pre-norm: CompleteP applies
    mup_heads_must_divide = False  # d_kv is a field of its own

    def mup_head_dim(self) -> int:
        return self.d_kv

    def default_attn_mult(self, base_head_dim: float) -> float:
        ### muP: T5's attention has no 1/sqrt(d_kv) (scaling 1.0); attn_mult = base d_kv keeps that at base
        return float(base_head_dim)
