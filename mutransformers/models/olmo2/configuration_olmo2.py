"""muP OLMo-2 config: Llama's width declarations on ``Olmo2Config`` (no ``head_dim`` field), no depth
rules (its norms follow the sublayers), ``query_zero_init`` refused (QK-norm, see modeling_olmo2)."""
from transformers import Olmo2Config

from ...core import MuConfigMixin
from ..llama.configuration_llama import LlamaStyleMuP, QKNormMuP


class MuOlmo2Config(QKNormMuP, LlamaStyleMuP, MuConfigMixin, Olmo2Config):
    model_type = "muolmo2"
    mup_width_fields = ("hidden_size", "intermediate_size")  # head_dim = hidden_size // heads, derived upstream
    mup_heads_must_divide = True
    mup_depth_fields = ()
    mup_depth_refused = {"num_hidden_layers": "OLMo-2 normalizes each sublayer's output and not its input, and "
                                              "CompleteP's depth rules are derived for pre-LN transformers only."}
