"""muP Mistral: Llama's muP, unchanged.

Mistral is Llama with sliding-window attention. The window limits which keys a query sees, not the
size of q.k, so the 1/d_head scale holds as is; grouped-query attention and RMSNorm are Llama's.
"""
from transformers.models.mistral import modeling_mistral as upstream

from ...core import MuPreTrainedModel
from ..llama.modeling_llama import LlamaStyleModules
from .configuration_mistral import MuMistralConfig


class MuMistralPreTrainedModel(LlamaStyleModules, MuPreTrainedModel, upstream.MistralPreTrainedModel):
    config_class = MuMistralConfig
    config: MuMistralConfig
    mup_attention_classes = (upstream.MistralAttention,)
    mup_residual_blocks = (upstream.MistralDecoderLayer,)
    coord_check_modules = {"mlp": (upstream.MistralMLP,)}


class MuMistralModel(MuMistralPreTrainedModel, upstream.MistralModel):
    pass


class MuMistralForCausalLM(MuMistralPreTrainedModel, upstream.MistralForCausalLM):
    pass


class MuMistralForSequenceClassification(MuMistralPreTrainedModel, upstream.MistralForSequenceClassification):
    pass


class MuMistralForTokenClassification(MuMistralPreTrainedModel, upstream.MistralForTokenClassification):
    pass


class MuMistralForQuestionAnswering(MuMistralPreTrainedModel, upstream.MistralForQuestionAnswering):
    pass


AUTO_CLASSES = {
    "AutoModel": MuMistralModel,
    "AutoModelForCausalLM": MuMistralForCausalLM,
    "AutoModelForSequenceClassification": MuMistralForSequenceClassification,
    "AutoModelForTokenClassification": MuMistralForTokenClassification,
    "AutoModelForQuestionAnswering": MuMistralForQuestionAnswering,
}
