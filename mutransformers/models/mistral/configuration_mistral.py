"""muP Mistral config: Llama's muP declarations (``LlamaStyleMuP``) on ``MistralConfig``."""
from transformers import MistralConfig

from ...core import MuConfigMixin
from ..llama.configuration_llama import LlamaStyleMuP


class MuMistralConfig(LlamaStyleMuP, MuConfigMixin, MistralConfig):
    model_type = "mumistral"
