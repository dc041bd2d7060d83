"""muP BART: BERT's muP on an encoder-decoder, with two traps rechecked.

* Post-LN like BERT (every residual add is followed by a LayerNorm): width rules as BERT's, norms
  vector-like; no base depth (configuration).
* With ``scale_embedding`` (mBART-style configs) the token embedding is multiplied by sqrt(d_model), an
  input multiplier that grows with width: it becomes sqrt(base d_model), BART's own scale at base width
  and constant beyond (as Gemma's). ``input_mult`` multiplies it and the learned positions.
* The learned positional embedding (``BartLearnedPositionalEmbedding``, 2 offset rows) is an input
  weight (vocab-like x width), like GPT-2's ``wpe``.
* ``lm_head`` shares the token embedding (``MuReadout``: output_mult / width_mult); ``final_logits_bias``
  is a zero, vocab-sized buffer, width-independent. Self- and cross-attention both get 1/d.
"""
import math

from transformers.models.bart import modeling_bart as upstream

from ...core import MuPreTrainedModel
from .configuration_bart import MuBartConfig


class MuBartPreTrainedModel(MuPreTrainedModel, upstream.BartPreTrainedModel):
    config_class = MuBartConfig
    config: MuBartConfig
    mup_attention_classes = (upstream.BartAttention,)
    coord_check_modules = {"norm": (upstream.nn.LayerNorm,)}  # post-LN: each sublayer's output, normalized

    @staticmethod
    def mup_query_weights(module):
        return [(module.q_proj.weight, None)]

    def post_init(self):
        if self.config.scale_embedding:
            ### muP: the embedding scale sqrt(d_model) grows with width; sqrt(base d_model) is BART's own at base
            base_scale = math.sqrt(self.config.mup_base_config().d_model)
            for module in self.modules():
                if isinstance(module, upstream.BartScaledWordEmbedding):
                    module.embed_scale = base_scale
                    module.mup_sp_scale_ratio = base_scale / math.sqrt(self.config.d_model)  # for to_sp
        super().post_init()


class MuBartModel(MuBartPreTrainedModel, upstream.BartModel):
    pass


class MuBartForConditionalGeneration(MuBartPreTrainedModel, upstream.BartForConditionalGeneration):
    pass


class MuBartForSequenceClassification(MuBartPreTrainedModel, upstream.BartForSequenceClassification):
    pass


class MuBartForQuestionAnswering(MuBartPreTrainedModel, upstream.BartForQuestionAnswering):
    pass


class MuBartForCausalLM(MuBartPreTrainedModel, upstream.BartForCausalLM):
    pass


AUTO_CLASSES = {
    "AutoModel": MuBartModel,
    "AutoModelForSeq2SeqLM": MuBartForConditionalGeneration,
    "AutoModelForSequenceClassification": MuBartForSequenceClassification,
    "AutoModelForQuestionAnswering": MuBartForQuestionAnswering,
    "AutoModelForCausalLM": MuBartForCausalLM,
}
# the scaled embedding's scale, and BartAttention.forward handing `scaling` to every attention kernel
UPSTREAM_RELIED_ON = [upstream.BartScaledWordEmbedding.forward, upstream.BartAttention.forward]
