"""muP Gemma 3 (text): three input/attention scales that grow or stay put in the wrong way, rechecked.

* The embedding is multiplied by sqrt(hidden_size) (``Gemma3TextScaledWordEmbedding``): an input
  multiplier that grows with width, so the residual stream would be sqrt(width) times larger than the
  O(1) branches added to it. It becomes sqrt(base hidden_size): Gemma's own scale at base width,
  constant beyond it (muP's input multiplier is width-independent). ``input_mult`` multiplies it.
* Attention logits are scaled by ``query_pre_attn_scalar``^-1/2, a constant, not d_head^-1/2. muP's
  attn_mult / d_head with attn_mult = base d_head / sqrt(query_pre_attn_scalar) equals it at base width
  and falls as 1/d_head beyond (``default_attn_mult``; no per-layer factor, hence
  ``mup_attention_folded_into_init``).
* QK-norm per head (as Qwen3: vector-like gains, 1/d_head holds, ``query_zero_init`` refused). Gemma's
  RMSNorm multiplies by (1 + weight), so ``to_sp`` folds the attention scale into q_norm as
  (1 + w) * ratio - 1 (``mup_gain_offset``).
* Logit soft-capping, tanh(z / cap) * cap, acts on O(1) logits (readout and attention) at every width.
* Sandwich norms (before and after each sublayer): width rules as Llama's; no base depth (configuration).
"""
import math

from transformers.models.gemma3 import modeling_gemma3 as upstream

from ...core import MuPreTrainedModel
from ..llama.modeling_llama import QKNormModules
from .configuration_gemma3 import MuGemma3TextConfig


class MuGemma3PreTrainedModel(QKNormModules, MuPreTrainedModel, upstream.Gemma3PreTrainedModel):
    config_class = MuGemma3TextConfig
    config: MuGemma3TextConfig
    mup_attention_classes = (upstream.Gemma3Attention,)
    mup_attention_folded_into_init = True  # the SP scale has no d_head in it: no per-layer factor to keep
    mup_gain_offset = 1.0  # Gemma3RMSNorm: x * (1 + weight)
    coord_check_modules = {"mlp": (upstream.Gemma3MLP,)}

    def post_init(self):
        ### muP: the embedding scale sqrt(hidden_size) grows with width; sqrt(base hidden_size) is Gemma's at base
        base_scale = math.sqrt(self.config.mup_base_config().hidden_size)
        for module in self.modules():
            if isinstance(module, upstream.Gemma3TextScaledWordEmbedding):
                module.scalar_embed_scale = base_scale  # upstream's init copies it into the buffer
                module.mup_sp_scale_ratio = base_scale / math.sqrt(self.config.hidden_size)  # for to_sp
                if not module.embed_scale.is_meta:
                    module.embed_scale.fill_(base_scale)
        super().post_init()


class MuGemma3TextModel(MuGemma3PreTrainedModel, upstream.Gemma3TextModel):
    pass


class MuGemma3ForCausalLM(MuGemma3PreTrainedModel, upstream.Gemma3ForCausalLM):
    pass


class MuGemma3TextForSequenceClassification(MuGemma3PreTrainedModel, upstream.Gemma3TextForSequenceClassification):
    pass


AUTO_CLASSES = {
    "AutoModel": MuGemma3TextModel,
    "AutoModelForCausalLM": MuGemma3ForCausalLM,
    "AutoModelForSequenceClassification": MuGemma3TextForSequenceClassification,
}
# the scaled embedding (its scale and buffer), the attention scale, q_norm after q_proj, the (1 + w) norm
UPSTREAM_RELIED_ON = [upstream.Gemma3TextScaledWordEmbedding.forward, upstream.Gemma3TextModel.__init__,
                      upstream.Gemma3Attention.forward, upstream.Gemma3RMSNorm.forward]
