"""muP OLMo-2: Llama's muP with the norms moved, rechecked.

* Norms after the sublayers: h = x + RMSNorm(f(x)), where f reads the residual stream unnormalized.
  Each branch adds an O(1) vector at every width whatever f's scale, and f's inputs are the stream's
  O(1) coordinates, so the width argument of muP is unchanged: hidden weights, readout and 1/d
  attention as in Llama; the post-norm gains are vector-like. CompleteP's depth rules are derived for
  pre-LN blocks, so a base depth is refused (configuration_olmo2).
* QK-norm over the whole projection (``q_norm`` has ``heads * head_dim`` gains, a width: vector-like).
  After it q and k have O(1) entries, q.k still sums d_head aligned terms once trained: 1/d_head holds
  (as for Qwen3, whose norm is per head). ``to_sp`` folds the attention-scale ratio into ``q_norm.weight``;
  ``query_zero_init`` is refused (RMSNorm's slope at 0 is 1/sqrt(eps)).
"""
from transformers.models.olmo2 import modeling_olmo2 as upstream

from ...core import MuPreTrainedModel
from ..llama.modeling_llama import QKNormModules
from .configuration_olmo2 import MuOlmo2Config


class MuOlmo2PreTrainedModel(QKNormModules, MuPreTrainedModel, upstream.Olmo2PreTrainedModel):
    config_class = MuOlmo2Config
    config: MuOlmo2Config
    mup_attention_classes = (upstream.Olmo2Attention,)
    coord_check_modules = {"mlp": (upstream.Olmo2MLP,)}


class MuOlmo2Model(MuOlmo2PreTrainedModel, upstream.Olmo2Model):
    pass


class MuOlmo2ForCausalLM(MuOlmo2PreTrainedModel, upstream.Olmo2ForCausalLM):
    pass


class MuOlmo2ForSequenceClassification(MuOlmo2PreTrainedModel, upstream.Olmo2ForSequenceClassification):
    pass


AUTO_CLASSES = {
    "AutoModel": MuOlmo2Model,
    "AutoModelForCausalLM": MuOlmo2ForCausalLM,
    "AutoModelForSequenceClassification": MuOlmo2ForSequenceClassification,
}
# q_norm follows q_proj (to_sp folds the scale into its gain); the post-sublayer norms (the width argument)
UPSTREAM_RELIED_ON = [upstream.Olmo2Attention.forward, upstream.Olmo2DecoderLayer.forward,
                      upstream.Olmo2RMSNorm.forward]
