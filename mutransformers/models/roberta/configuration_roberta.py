"""muP RoBERTa config: ``RobertaConfig`` plus the muP fields of ``MuConfigMixin``."""
from transformers import RobertaConfig

from ...core import MuConfigMixin


class MuRobertaConfig(MuConfigMixin, RobertaConfig):
    model_type = "muroberta"
    mup_width_fields = ("hidden_size", "intermediate_size")
    mup_head_field = "num_attention_heads"
    mup_depth_refused = {"num_hidden_layers": "RoBERTa is post-LN (a LayerNorm follows every residual add), and "
                                              "CompleteP's depth rules are derived for pre-LN transformers only."}
