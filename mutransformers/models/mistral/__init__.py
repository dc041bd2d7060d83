"""muP mistral: config and model classes."""
from .configuration_mistral import MuMistralConfig
from .modeling_mistral import (AUTO_CLASSES, MuMistralForCausalLM, MuMistralForQuestionAnswering,
                               MuMistralForSequenceClassification, MuMistralForTokenClassification, MuMistralModel,
                               MuMistralPreTrainedModel)

__all__ = ['MuMistralConfig', 'MuMistralForCausalLM', 'MuMistralForQuestionAnswering',
           'MuMistralForSequenceClassification', 'MuMistralForTokenClassification', 'MuMistralModel',
           'MuMistralPreTrainedModel']
