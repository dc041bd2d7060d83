"""muP qwen2: config and model classes."""
from .configuration_qwen2 import MuQwen2Config
from .modeling_qwen2 import (AUTO_CLASSES, MuQwen2ForCausalLM, MuQwen2ForQuestionAnswering,
                             MuQwen2ForSequenceClassification, MuQwen2ForTokenClassification, MuQwen2Model,
                             MuQwen2PreTrainedModel)

__all__ = ['MuQwen2Config', 'MuQwen2ForCausalLM', 'MuQwen2ForQuestionAnswering', 'MuQwen2ForSequenceClassification',
           'MuQwen2ForTokenClassification', 'MuQwen2Model', 'MuQwen2PreTrainedModel']
