"""muP ModernBERT: config and model classes."""
from .configuration_modernbert import MuModernBertConfig
from .modeling_modernbert import (AUTO_CLASSES, UPSTREAM_RELIED_ON, MuModernBertForMaskedLM,
                                  MuModernBertForMultipleChoice, MuModernBertForQuestionAnswering,
                                  MuModernBertForSequenceClassification, MuModernBertForTokenClassification,
                                  MuModernBertModel, MuModernBertPreTrainedModel)

__all__ = ['MuModernBertConfig', 'MuModernBertForMaskedLM', 'MuModernBertForMultipleChoice',
           'MuModernBertForQuestionAnswering', 'MuModernBertForSequenceClassification',
           'MuModernBertForTokenClassification', 'MuModernBertModel', 'MuModernBertPreTrainedModel']
