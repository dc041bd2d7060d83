"""muP gpt2: config and model classes."""
from .configuration_gpt2 import MuGPT2Config
from .modeling_gpt2 import (AUTO_CLASSES, MuGPT2DoubleHeadsModel, MuGPT2ForQuestionAnswering,
                            MuGPT2ForSequenceClassification, MuGPT2ForTokenClassification, MuGPT2LMHeadModel,
                            MuGPT2Model, MuGPT2PreTrainedModel)

__all__ = ['MuGPT2Config', 'MuGPT2DoubleHeadsModel', 'MuGPT2ForQuestionAnswering', 'MuGPT2ForSequenceClassification', 'MuGPT2ForTokenClassification', 'MuGPT2LMHeadModel', 'MuGPT2Model', 'MuGPT2PreTrainedModel']
