"""muP gpt_neox: config and model classes."""
from .configuration_gpt_neox import MuGPTNeoXConfig
from .modeling_gpt_neox import (AUTO_CLASSES, UPSTREAM_RELIED_ON, MuGPTNeoXForCausalLM, MuGPTNeoXForQuestionAnswering,
                                MuGPTNeoXForSequenceClassification, MuGPTNeoXForTokenClassification, MuGPTNeoXModel,
                                MuGPTNeoXPreTrainedModel)

__all__ = ['MuGPTNeoXConfig', 'MuGPTNeoXForCausalLM', 'MuGPTNeoXForQuestionAnswering',
           'MuGPTNeoXForSequenceClassification', 'MuGPTNeoXForTokenClassification', 'MuGPTNeoXModel',
           'MuGPTNeoXPreTrainedModel']
