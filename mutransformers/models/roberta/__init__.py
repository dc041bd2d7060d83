"""muP roberta: config and model classes."""
from .configuration_roberta import MuRobertaConfig
from .modeling_roberta import (AUTO_CLASSES, MuRobertaForCausalLM, MuRobertaForMaskedLM, MuRobertaForMultipleChoice,
                               MuRobertaForQuestionAnswering, MuRobertaForSequenceClassification,
                               MuRobertaForTokenClassification, MuRobertaModel, MuRobertaPreTrainedModel)

__all__ = ['MuRobertaConfig', 'MuRobertaForCausalLM', 'MuRobertaForMaskedLM', 'MuRobertaForMultipleChoice', 'MuRobertaForQuestionAnswering', 'MuRobertaForSequenceClassification', 'MuRobertaForTokenClassification', 'MuRobertaModel', 'MuRobertaPreTrainedModel']
