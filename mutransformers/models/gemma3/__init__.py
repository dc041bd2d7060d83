"""muP gemma3 (text): config and model classes."""
from .configuration_gemma3 import MuGemma3TextConfig
from .modeling_gemma3 import (AUTO_CLASSES, UPSTREAM_RELIED_ON, MuGemma3ForCausalLM, MuGemma3PreTrainedModel,
                              MuGemma3TextForSequenceClassification, MuGemma3TextModel)

__all__ = ['MuGemma3ForCausalLM', 'MuGemma3PreTrainedModel', 'MuGemma3TextConfig',
           'MuGemma3TextForSequenceClassification', 'MuGemma3TextModel']
