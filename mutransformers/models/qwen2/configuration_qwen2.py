"""muP Qwen2 config: Llama's muP declarations on ``Qwen2Config``, which has no ``head_dim`` field."""
from transformers import Qwen2Config

from ...core import MuConfigMixin
from ..llama.configuration_llama import LlamaStyleMuP


class MuQwen2Config(LlamaStyleMuP, MuConfigMixin, Qwen2Config):
    model_type = "muqwen2"
    # upstream's attention derives head_dim = hidden_size // heads: not a field to set or scale
    mup_width_fields = ("hidden_size", "intermediate_size")
    mup_heads_must_divide = True
