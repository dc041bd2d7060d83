"""muP t5: config and model classes."""
from .configuration_t5 import MuT5Config
from .modeling_t5 import (AUTO_CLASSES, UPSTREAM_RELIED_ON, MuT5EncoderModel, MuT5ForConditionalGeneration, MuT5ForQuestionAnswering,
                          MuT5ForSequenceClassification, MuT5ForTokenClassification, MuT5Model, MuT5PreTrainedModel)

__all__ = ['MuT5Config', 'MuT5EncoderModel', 'MuT5ForConditionalGeneration', 'MuT5ForQuestionAnswering', 'MuT5ForSequenceClassification', 'MuT5ForTokenClassification', 'MuT5Model', 'MuT5PreTrainedModel']
