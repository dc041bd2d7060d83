"""muP BART: config and model classes."""
from .configuration_bart import MuBartConfig
from .modeling_bart import (AUTO_CLASSES, UPSTREAM_RELIED_ON, MuBartForCausalLM, MuBartForConditionalGeneration,
                            MuBartForQuestionAnswering, MuBartForSequenceClassification, MuBartModel,
                            MuBartPreTrainedModel)

__all__ = ['MuBartConfig', 'MuBartForCausalLM', 'MuBartForConditionalGeneration', 'MuBartForQuestionAnswering',
           'MuBartForSequenceClassification', 'MuBartModel', 'MuBartPreTrainedModel']
