"""muP BERT config: ``BertConfig`` plus the muP fields of ``MuConfigMixin``."""
from transformers import BertConfig

from ...core import MuConfigMixin


class MuBertConfig(MuConfigMixin, BertConfig):
    model_type = "mubert"
    mup_width_fields = ("hidden_size", "intermediate_size")
    mup_head_field = "num_attention_heads"
    mup_depth_refused = {"num_hidden_layers": "BERT is post-LN (a LayerNorm follows every residual add), and "
                                              "CompleteP's depth rules are derived for pre-LN transformers only."}
