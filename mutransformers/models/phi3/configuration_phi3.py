"""muP Phi-3 config: Llama's width declarations on ``Phi3Config`` (no ``head_dim`` field)."""
from transformers import Phi3Config

from ...core import MuConfigMixin
from ..llama.configuration_llama import LlamaStyleMuP


class MuPhi3Config(LlamaStyleMuP, MuConfigMixin, Phi3Config):
    model_type = "muphi3"
    mup_width_fields = ("hidden_size", "intermediate_size")  # head_dim = hidden_size // heads, derived upstream
    mup_heads_must_divide = True
