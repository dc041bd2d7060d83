"""muP bert: config and model classes."""
from .configuration_bert import MuBertConfig
from .modeling_bert import (AUTO_CLASSES, MuBertForMaskedLM, MuBertForMultipleChoice,
                            MuBertForNextSentencePrediction, MuBertForPreTraining, MuBertForQuestionAnswering,
                            MuBertForSequenceClassification, MuBertForTokenClassification, MuBertLMHeadModel,
                            MuBertModel, MuBertPreTrainedModel)

__all__ = ['MuBertConfig', 'MuBertForMaskedLM', 'MuBertForMultipleChoice', 'MuBertForNextSentencePrediction', 'MuBertForPreTraining', 'MuBertForQuestionAnswering', 'MuBertForSequenceClassification', 'MuBertForTokenClassification', 'MuBertLMHeadModel', 'MuBertModel', 'MuBertPreTrainedModel']
