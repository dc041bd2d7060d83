"""muP Gemma 3 (text) config: Llama's width declarations on ``Gemma3TextConfig``, with Gemma's attention
scale carried to the base width (see modeling_gemma3)."""
import math

from transformers import Gemma3TextConfig

from ...core import MuConfigMixin
from ..llama.configuration_llama import LlamaStyleMuP, QKNormMuP


class MuGemma3TextConfig(QKNormMuP, LlamaStyleMuP, MuConfigMixin, Gemma3TextConfig):
    model_type = "mugemma3_text"
    mup_depth_fields = ()
    mup_depth_refused = {"num_hidden_layers": "Gemma 3 normalizes each sublayer's output as well as its input "
                                              "(sandwich norms), and CompleteP's depth rules are derived for "
                                              "pre-LN transformers only."}

    def default_attn_mult(self, base_head_dim: float) -> float:
        ### muP: Gemma scales q.k by query_pre_attn_scalar^-1/2, not d_head^-1/2: equal to it at base width
        return base_head_dim / math.sqrt(self.query_pre_attn_scalar)
