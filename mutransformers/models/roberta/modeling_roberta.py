"""muP RoBERTa: each class is the upstream one with the shared muP mixin; nothing else changes.

Readouts (tied LM decoder, the classification head's ``out_proj``, token/QA/multiple-choice heads)
are found from the base shapes; the classification head's ``dense`` (width -> width) stays hidden.
"""
from transformers.models.roberta import modeling_roberta as upstream

from ...core import MuPreTrainedModel
from .configuration_roberta import MuRobertaConfig


class MuRobertaPreTrainedModel(MuPreTrainedModel, upstream.RobertaPreTrainedModel):
    config_class = MuRobertaConfig
    config: MuRobertaConfig
    mup_attention_classes = (upstream.RobertaSelfAttention, upstream.RobertaCrossAttention)
    coord_check_modules = {"mlp": (upstream.RobertaIntermediate,)}  # activations the coordinate check records

    @staticmethod
    def mup_query_weights(module):
        return [(module.query.weight, None)]


class MuRobertaModel(MuRobertaPreTrainedModel, upstream.RobertaModel):
    pass


class MuRobertaForCausalLM(MuRobertaPreTrainedModel, upstream.RobertaForCausalLM):
    pass


class MuRobertaForMaskedLM(MuRobertaPreTrainedModel, upstream.RobertaForMaskedLM):
    pass


class MuRobertaForSequenceClassification(MuRobertaPreTrainedModel, upstream.RobertaForSequenceClassification):
    pass


class MuRobertaForMultipleChoice(MuRobertaPreTrainedModel, upstream.RobertaForMultipleChoice):
    pass


class MuRobertaForTokenClassification(MuRobertaPreTrainedModel, upstream.RobertaForTokenClassification):
    pass


class MuRobertaForQuestionAnswering(MuRobertaPreTrainedModel, upstream.RobertaForQuestionAnswering):
    pass


# Auto class name -> muP class, registered by mutransformers.auto on import.
AUTO_CLASSES = {
    "AutoModel": MuRobertaModel,
    "AutoModelForCausalLM": MuRobertaForCausalLM,
    "AutoModelForMaskedLM": MuRobertaForMaskedLM,
    "AutoModelForPreTraining": MuRobertaForMaskedLM,
    "AutoModelForSequenceClassification": MuRobertaForSequenceClassification,
    "AutoModelForMultipleChoice": MuRobertaForMultipleChoice,
    "AutoModelForTokenClassification": MuRobertaForTokenClassification,
    "AutoModelForQuestionAnswering": MuRobertaForQuestionAnswering,
}
