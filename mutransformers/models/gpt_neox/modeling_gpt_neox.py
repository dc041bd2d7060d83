"""muP GPT-NeoX: fused per-head q/k/v, parallel residual, partial rotary.

* ``query_key_value`` maps the width to 3 * width, laid out per head as [q_h; k_h; v_h] (the forward
  views it as (heads, 3 * head_size) and chunks the last dim): one hidden weight. The query is the
  first ``head_size`` rows of every head's block, a strided view: ``query_zero_init`` zeroes it and
  ``to_sp`` folds the attention scale into it (and the matching bias entries) only.
* Parallel residual, x + attn(ln1(x)) + mlp(ln2(x)): two pre-LN branches added to the same stream, each
  O(1) at any width; muP's width rules are those of a sequential block, and CompleteP scales each
  branch's output projection (``attention.dense``, ``mlp.dense_4h_to_h``) by m_L^-alpha.
* Rotary on a fraction of each head (``partial_rotary_factor``) rotates pairs of coordinates, which
  keeps q.k's size: 1/d_head holds as in Llama.
* ``embed_out`` (the LM head, untied by default) is the readout.
"""
from transformers.models.gpt_neox import modeling_gpt_neox as upstream

from ...core import MuPreTrainedModel
from .configuration_gpt_neox import MuGPTNeoXConfig


class MuGPTNeoXPreTrainedModel(MuPreTrainedModel, upstream.GPTNeoXPreTrainedModel):
    config_class = MuGPTNeoXConfig
    config: MuGPTNeoXConfig
    mup_attention_classes = (upstream.GPTNeoXAttention,)
    mup_residual_blocks = (upstream.GPTNeoXLayer,)
    coord_check_modules = {"mlp": (upstream.GPTNeoXMLP,)}

    @staticmethod
    def mup_query_weights(module):
        weight, heads = module.query_key_value.weight, module.config.num_attention_heads
        return [(weight, weight.view(heads, 3 * module.head_size, -1)[:, : module.head_size])]

    @staticmethod
    def mup_branch_outputs(block):
        return [block.attention.dense, block.mlp.dense_4h_to_h]


class MuGPTNeoXModel(MuGPTNeoXPreTrainedModel, upstream.GPTNeoXModel):
    pass


class MuGPTNeoXForCausalLM(MuGPTNeoXPreTrainedModel, upstream.GPTNeoXForCausalLM):
    pass


class MuGPTNeoXForSequenceClassification(MuGPTNeoXPreTrainedModel, upstream.GPTNeoXForSequenceClassification):
    pass


class MuGPTNeoXForTokenClassification(MuGPTNeoXPreTrainedModel, upstream.GPTNeoXForTokenClassification):
    pass


class MuGPTNeoXForQuestionAnswering(MuGPTNeoXPreTrainedModel, upstream.GPTNeoXForQuestionAnswering):
    pass


AUTO_CLASSES = {
    "AutoModel": MuGPTNeoXModel,
    "AutoModelForCausalLM": MuGPTNeoXForCausalLM,
    "AutoModelForSequenceClassification": MuGPTNeoXForSequenceClassification,
    "AutoModelForTokenClassification": MuGPTNeoXForTokenClassification,
    "AutoModelForQuestionAnswering": MuGPTNeoXForQuestionAnswering,
}
# the per-head [q; k; v] layout of query_key_value and the parallel residual
UPSTREAM_RELIED_ON = [upstream.GPTNeoXAttention.forward, upstream.GPTNeoXLayer.forward]
