"""muP llama: config and model classes."""
from .configuration_llama import MuLlamaConfig
from .modeling_llama import (AUTO_CLASSES, MuLlamaForCausalLM, MuLlamaForQuestionAnswering,
                             MuLlamaForSequenceClassification, MuLlamaForTokenClassification, MuLlamaModel,
                             MuLlamaPreTrainedModel)

__all__ = ['MuLlamaConfig', 'MuLlamaForCausalLM', 'MuLlamaForQuestionAnswering', 'MuLlamaForSequenceClassification', 'MuLlamaForTokenClassification', 'MuLlamaModel', 'MuLlamaPreTrainedModel']
