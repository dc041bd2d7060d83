"""muP BERT: each class is the upstream one with the shared muP mixin; nothing else changes.

Readouts (MLM decoder, NSP, classifier, QA heads) are found from the base shapes and become
``MuReadout``; the tied MLM decoder shares the word embedding (``MuSharedReadout`` semantics).
"""
from transformers.models.bert import modeling_bert as upstream

from ...core import MuPreTrainedModel
from .configuration_bert import MuBertConfig


class MuBertPreTrainedModel(MuPreTrainedModel, upstream.BertPreTrainedModel):
    config_class = MuBertConfig
    config: MuBertConfig
    mup_attention_classes = (upstream.BertSelfAttention, upstream.BertCrossAttention)
    coord_check_modules = {"mlp": (upstream.BertIntermediate,)}  # activations the coordinate check records

    @staticmethod
    def mup_query_weights(module):
        return [(module.query.weight, None)]


class MuBertModel(MuBertPreTrainedModel, upstream.BertModel):
    pass


class MuBertForPreTraining(MuBertPreTrainedModel, upstream.BertForPreTraining):
    pass


class MuBertLMHeadModel(MuBertPreTrainedModel, upstream.BertLMHeadModel):
    pass


class MuBertForMaskedLM(MuBertPreTrainedModel, upstream.BertForMaskedLM):
    pass


class MuBertForNextSentencePrediction(MuBertPreTrainedModel, upstream.BertForNextSentencePrediction):
    pass


class MuBertForSequenceClassification(MuBertPreTrainedModel, upstream.BertForSequenceClassification):
    pass


class MuBertForMultipleChoice(MuBertPreTrainedModel, upstream.BertForMultipleChoice):
    pass


class MuBertForTokenClassification(MuBertPreTrainedModel, upstream.BertForTokenClassification):
    pass


class MuBertForQuestionAnswering(MuBertPreTrainedModel, upstream.BertForQuestionAnswering):
    pass


# Auto class name -> muP class, registered by mutransformers.auto on import.
AUTO_CLASSES = {
    "AutoModel": MuBertModel,
    "AutoModelForPreTraining": MuBertForPreTraining,
    "AutoModelForCausalLM": MuBertLMHeadModel,
    "AutoModelForMaskedLM": MuBertForMaskedLM,
    "AutoModelForNextSentencePrediction": MuBertForNextSentencePrediction,
    "AutoModelForSequenceClassification": MuBertForSequenceClassification,
    "AutoModelForMultipleChoice": MuBertForMultipleChoice,
    "AutoModelForTokenClassification": MuBertForTokenClassification,
    "AutoModelForQuestionAnswering": MuBertForQuestionAnswering,
}
