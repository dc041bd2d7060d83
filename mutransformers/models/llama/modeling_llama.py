"""muP Llama: each class is the upstream one with the shared muP mixin.

Grouped-query attention needs nothing special: k_proj/v_proj map the width to
``num_key_value_heads * head_dim``, a width too, so they are hidden weights like q_proj. RMSNorm
weights are vector-like. The LM head is untied by default (an ``nn.Linear`` readout); with
``tie_word_embeddings=True`` it shares the input embedding.
"""
from transformers.models.llama import modeling_llama as upstream

from ...core import MuPreTrainedModel
from .configuration_llama import MuLlamaConfig


class LlamaStyleModules:
    """Where the muP edits land in a Llama-shaped decoder: the query projection ``q_proj`` and the
    residual branches' outputs ``o_proj`` and ``down_proj`` (read only where ``mup_residual_blocks`` is
    declared, i.e. where CompleteP applies)."""

    @staticmethod
    def mup_query_weights(module):
        return [(module.q_proj.weight, None)]

    @staticmethod
    def mup_branch_outputs(block):
        return [block.self_attn.o_proj, block.mlp.down_proj]


class QKNormModules(LlamaStyleModules):
    """Llama-shaped decoders whose query is normalized after ``q_proj`` (Qwen3, OLMo-2, Gemma 3)."""

    @staticmethod
    def mup_logit_scale_weights(module):
        return [(module.q_norm.weight, None)]  # q_proj's scale is normalized away; RoPE is linear in q


class MuLlamaPreTrainedModel(LlamaStyleModules, MuPreTrainedModel, upstream.LlamaPreTrainedModel):
    config_class = MuLlamaConfig
    config: MuLlamaConfig
    mup_attention_classes = (upstream.LlamaAttention,)
    mup_residual_blocks = (upstream.LlamaDecoderLayer,)
    coord_check_modules = {"mlp": (upstream.LlamaMLP,)}  # activations the coordinate check records


class MuLlamaModel(MuLlamaPreTrainedModel, upstream.LlamaModel):
    pass


class MuLlamaForCausalLM(MuLlamaPreTrainedModel, upstream.LlamaForCausalLM):
    pass


class MuLlamaForSequenceClassification(MuLlamaPreTrainedModel, upstream.LlamaForSequenceClassification):
    pass


class MuLlamaForTokenClassification(MuLlamaPreTrainedModel, upstream.LlamaForTokenClassification):
    pass


class MuLlamaForQuestionAnswering(MuLlamaPreTrainedModel, upstream.LlamaForQuestionAnswering):
    pass


# Auto class name -> muP class, registered by mutransformers.auto on import.
AUTO_CLASSES = {
    "AutoModel": MuLlamaModel,
    "AutoModelForCausalLM": MuLlamaForCausalLM,
    "AutoModelForSequenceClassification": MuLlamaForSequenceClassification,
    "AutoModelForTokenClassification": MuLlamaForTokenClassification,
    "AutoModelForQuestionAnswering": MuLlamaForQuestionAnswering,
}
