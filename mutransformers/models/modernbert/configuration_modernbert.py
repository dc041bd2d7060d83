"""muP ModernBERT config: ``ModernBertConfig`` plus the muP fields of ``MuConfigMixin``."""
from transformers import ModernBertConfig

from ...core import MuConfigMixin


class MuModernBertConfig(MuConfigMixin, ModernBertConfig):
    model_type = "mumodernbert"
    mup_width_fields = ("hidden_size", "intermediate_size")  # head_dim = hidden_size // heads, derived upstream
    mup_head_field = "num_attention_heads"
    mup_depth_fields = ("num_hidden_layers",)  # pre-LN: CompleteP applies (core/depth.py)
