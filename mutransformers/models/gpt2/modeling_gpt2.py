"""muP GPT-2: each class is the upstream one with the shared muP mixin.

GPT-2 specifics handled by the core: ``Conv1D`` weights are stored (fan_in, fan_out) (see
``Conv1DInfShape``); the depth-scaled ``c_proj`` init (std 0.02/sqrt(2 n_layer)) is kept and gains
the muP 1/sqrt(width_mult); ``scale_attn_by_inverse_layer_idx`` is kept on top of 1/d attention.
``GPT2DoubleHeadsModel``'s multiple-choice projection is a readout when it maps to labels and a
hidden weight when it maps to ``n_embd`` (``summary_proj_to_labels=False``): the base shapes decide.
"""
from transformers.models.gpt2 import modeling_gpt2 as upstream

from ...core import MuPreTrainedModel
from .configuration_gpt2 import MuGPT2Config


class MuGPT2PreTrainedModel(MuPreTrainedModel, upstream.GPT2PreTrainedModel):
    config_class = MuGPT2Config
    config: MuGPT2Config
    mup_attention_classes = (upstream.GPT2Attention,)
    mup_residual_blocks = (upstream.GPT2Block,)
    coord_check_modules = {"mlp": (upstream.GPT2MLP,)}  # activations the coordinate check records

    @staticmethod
    def mup_query_weights(module):
        if module.is_cross_attention:
            return [(module.q_attn.weight, None)]
        # c_attn is Conv1D (n_embd, 3 * n_embd): q, k, v side by side in the output columns
        return [(module.c_attn.weight, module.c_attn.weight[:, : module.embed_dim])]

    @staticmethod
    def mup_branch_outputs(block):
        cross = [block.crossattention.c_proj] if hasattr(block, "crossattention") else []
        return [block.attn.c_proj, *cross, block.mlp.c_proj]


class MuGPT2Model(MuGPT2PreTrainedModel, upstream.GPT2Model):
    pass


class MuGPT2LMHeadModel(MuGPT2PreTrainedModel, upstream.GPT2LMHeadModel):
    pass


class MuGPT2DoubleHeadsModel(MuGPT2PreTrainedModel, upstream.GPT2DoubleHeadsModel):
    pass


class MuGPT2ForSequenceClassification(MuGPT2PreTrainedModel, upstream.GPT2ForSequenceClassification):
    pass


class MuGPT2ForTokenClassification(MuGPT2PreTrainedModel, upstream.GPT2ForTokenClassification):
    pass


class MuGPT2ForQuestionAnswering(MuGPT2PreTrainedModel, upstream.GPT2ForQuestionAnswering):
    pass


# Auto class name -> muP class, registered by mutransformers.auto on import.
# (GPT2DoubleHeadsModel has no Auto class upstream either.)
AUTO_CLASSES = {
    "AutoModel": MuGPT2Model,
    "AutoModelForCausalLM": MuGPT2LMHeadModel,
    "AutoModelForPreTraining": MuGPT2LMHeadModel,
    "AutoModelForSequenceClassification": MuGPT2ForSequenceClassification,
    "AutoModelForTokenClassification": MuGPT2ForTokenClassification,
    "AutoModelForQuestionAnswering": MuGPT2ForQuestionAnswering,
}
