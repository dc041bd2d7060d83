"""muP Qwen2: Llama's muP; the q/k/v biases are vector-like.

Qwen2 is Llama with biases on the query, key and value projections (and, in its checkpoints,
sliding-window attention on some layers, which changes which keys a query sees, not the size of
q.k). A bias of a width-sized output is vector-like (one infinite dim): Adam trains it at the base
LR, as muP trains every bias.
"""
from transformers.models.qwen2 import modeling_qwen2 as upstream

from ...core import MuPreTrainedModel
from ..llama.modeling_llama import LlamaStyleModules
from .configuration_qwen2 import MuQwen2Config


class MuQwen2PreTrainedModel(LlamaStyleModules, MuPreTrainedModel, upstream.Qwen2PreTrainedModel):
    config_class = MuQwen2Config
    config: MuQwen2Config
    mup_attention_classes = (upstream.Qwen2Attention,)
    mup_residual_blocks = (upstream.Qwen2DecoderLayer,)
    coord_check_modules = {"mlp": (upstream.Qwen2MLP,)}


class MuQwen2Model(MuQwen2PreTrainedModel, upstream.Qwen2Model):
    pass


class MuQwen2ForCausalLM(MuQwen2PreTrainedModel, upstream.Qwen2ForCausalLM):
    pass


class MuQwen2ForSequenceClassification(MuQwen2PreTrainedModel, upstream.Qwen2ForSequenceClassification):
    pass


class MuQwen2ForTokenClassification(MuQwen2PreTrainedModel, upstream.Qwen2ForTokenClassification):
    pass


class MuQwen2ForQuestionAnswering(MuQwen2PreTrainedModel, upstream.Qwen2ForQuestionAnswering):
    pass


AUTO_CLASSES = {
    "AutoModel": MuQwen2Model,
    "AutoModelForCausalLM": MuQwen2ForCausalLM,
    "AutoModelForSequenceClassification": MuQwen2ForSequenceClassification,
    "AutoModelForTokenClassification": MuQwen2ForTokenClassification,
    "AutoModelForQuestionAnswering": MuQwen2ForQuestionAnswering,
}
