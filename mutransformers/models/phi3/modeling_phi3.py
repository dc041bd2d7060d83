"""muP Phi-3: Llama's muP on fused projections.

* ``qkv_proj`` stacks the query, key and value projections along its output rows, ``gate_up_proj`` the
  gate and up projections: each is one hidden weight (both dims grow with width), with the same
  fan-in init and Adam LR as its unfused parts, so fusing changes nothing in muP.
* The query is the first ``heads * head_dim`` rows of ``qkv_proj``: ``query_zero_init`` zeroes them
  and ``to_sp`` folds the attention scale into them only.
* Pre-LN blocks with Llama's ``o_proj`` / ``down_proj`` branch outputs: CompleteP applies.
"""
from transformers.models.phi3 import modeling_phi3 as upstream

from ...core import MuPreTrainedModel
from ..llama.modeling_llama import LlamaStyleModules
from .configuration_phi3 import MuPhi3Config


class MuPhi3PreTrainedModel(LlamaStyleModules, MuPreTrainedModel, upstream.Phi3PreTrainedModel):
    config_class = MuPhi3Config
    config: MuPhi3Config
    mup_attention_classes = (upstream.Phi3Attention,)
    mup_residual_blocks = (upstream.Phi3DecoderLayer,)
    coord_check_modules = {"mlp": (upstream.Phi3MLP,)}

    @staticmethod
    def mup_query_weights(module):
        weight = module.qkv_proj.weight  # rows: [q; k; v]
        return [(weight, weight[: module.config.num_attention_heads * module.head_dim])]


class MuPhi3Model(MuPhi3PreTrainedModel, upstream.Phi3Model):
    pass


class MuPhi3ForCausalLM(MuPhi3PreTrainedModel, upstream.Phi3ForCausalLM):
    pass


class MuPhi3ForSequenceClassification(MuPhi3PreTrainedModel, upstream.Phi3ForSequenceClassification):
    pass


class MuPhi3ForTokenClassification(MuPhi3PreTrainedModel, upstream.Phi3ForTokenClassification):
    pass


AUTO_CLASSES = {
    "AutoModel": MuPhi3Model,
    "AutoModelForCausalLM": MuPhi3ForCausalLM,
    "AutoModelForSequenceClassification": MuPhi3ForSequenceClassification,
    "AutoModelForTokenClassification": MuPhi3ForTokenClassification,
}
UPSTREAM_RELIED_ON = [upstream.Phi3Attention.forward]  # the query is qkv_proj's first heads * head_dim rows
