"""muP GPT-NeoX config: ``GPTNeoXConfig`` plus the muP fields of ``MuConfigMixin``."""
from transformers import GPTNeoXConfig

from ...core import MuConfigMixin


class MuGPTNeoXConfig(MuConfigMixin, GPTNeoXConfig):
    model_type = "mugpt_neox"
    mup_width_fields = ("hidden_size", "intermediate_size")  # head size = hidden_size // heads, derived upstream
    mup_head_field = "num_attention_heads"
    mup_depth_fields = ("num_hidden_layers",)  # pre-LN, parallel or sequential: CompleteP applies
