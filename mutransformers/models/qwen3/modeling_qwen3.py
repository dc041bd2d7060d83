"""muP Qwen3: Llama's muP, with the QK-norm rechecked.

Qwen3 normalizes every query and key head by an RMSNorm over ``head_dim`` before RoPE.

* The norm gains (``q_norm.weight``, ``k_norm.weight``, shape ``(head_dim,)``) have one dim that grows
  with width: vector-like, trained by Adam at the base LR and initialized to 1, like every norm gain.
* 1/d_head still holds. After the norm each head's q and k have RMS ~ their gains, O(1) at any width,
  so q.k is a sum of d_head O(1) terms: ~sqrt(d_head) while q and k are uncorrelated (init) and
  ~d_head once training aligns them (TP V, Section 6). The norm fixes the entries' size; it does not
  undo the alignment, so the logits need attn_mult / d_head as in Llama.
* ``to_sp`` folds the muP/SP attention-scale ratio into ``q_norm.weight``, not ``q_proj`` (whose scale
  the norm removes).
* ``query_zero_init`` is refused (configuration_qwen3): RMSNorm maps 0 to 0 with slope 1/sqrt(eps), so
  the first small update of a zero query becomes a unit-RMS query at once.
"""
from transformers.models.qwen3 import modeling_qwen3 as upstream

from ...core import MuPreTrainedModel
from ..llama.modeling_llama import QKNormModules
from .configuration_qwen3 import MuQwen3Config


class MuQwen3PreTrainedModel(QKNormModules, MuPreTrainedModel, upstream.Qwen3PreTrainedModel):
    config_class = MuQwen3Config
    config: MuQwen3Config
    mup_attention_classes = (upstream.Qwen3Attention,)
    mup_residual_blocks = (upstream.Qwen3DecoderLayer,)
    coord_check_modules = {"mlp": (upstream.Qwen3MLP,)}


class MuQwen3Model(MuQwen3PreTrainedModel, upstream.Qwen3Model):
    pass


class MuQwen3ForCausalLM(MuQwen3PreTrainedModel, upstream.Qwen3ForCausalLM):
    pass


class MuQwen3ForSequenceClassification(MuQwen3PreTrainedModel, upstream.Qwen3ForSequenceClassification):
    pass


class MuQwen3ForTokenClassification(MuQwen3PreTrainedModel, upstream.Qwen3ForTokenClassification):
    pass


class MuQwen3ForQuestionAnswering(MuQwen3PreTrainedModel, upstream.Qwen3ForQuestionAnswering):
    pass


AUTO_CLASSES = {
    "AutoModel": MuQwen3Model,
    "AutoModelForCausalLM": MuQwen3ForCausalLM,
    "AutoModelForSequenceClassification": MuQwen3ForSequenceClassification,
    "AutoModelForTokenClassification": MuQwen3ForTokenClassification,
    "AutoModelForQuestionAnswering": MuQwen3ForQuestionAnswering,
}
# q_norm follows q_proj (to_sp folds the scale into its gain); RMSNorm's slope at 0 (query_zero_init refused)
UPSTREAM_RELIED_ON = [upstream.Qwen3Attention.forward, upstream.Qwen3RMSNorm.forward]
