"""muP Qwen3 config: Llama's muP declarations on ``Qwen3Config`` (whose ``head_dim`` is a field, 128 by
default), refusing ``query_zero_init`` (see modeling_qwen3)."""
from transformers import Qwen3Config

from ...core import MuConfigMixin
from ..llama.configuration_llama import LlamaStyleMuP, QKNormMuP


class MuQwen3Config(QKNormMuP, LlamaStyleMuP, MuConfigMixin, Qwen3Config):
    model_type = "muqwen3"
