"""muP T5: the upstream classes with the shared muP mixin, plus what T5 does differently.

Derivation (TP V, "Tensor Programs V", Yang et al. 2022: Table 3 for Adam, Section 6 for attention,
Appendix J.2 for the 1/d attention argument). Widths are d_model, d_ff and d_kv (or the head count);
``mup_base`` names their base values.

* Attention. T5 has no 1/sqrt(d_kv) in the forward (``scaling = 1.0``): it draws W_q with std
  (d_model * d_kv)^-1/2 instead, which only fixes the logits' size at initialization. Once trained,
  q and k are correlated and q.k grows like d_kv. muP puts the width dependence in the forward,
  ``scaling = attn_mult / d_kv`` with default ``attn_mult = d_kv_base`` (scaling 1.0 at base width:
  exactly T5), and keeps the base's constant in the init: std(W_q) = (d_model * d_kv_base)^-1/2.
* Init. T5's init formulas read d_model, d_ff, d_kv from the config. We evaluate them at the *base*
  dims and divide hidden (width x width) stds by sqrt(width_mult) from each weight's infshape, the
  rule of every other architecture here. That gives: hidden weights (k, v, o, wi, wo, the
  classification head's dense) std = fan_in^-1/2, T5's own at every width; W_q as above; readouts
  (QA outputs, classification ``out_proj``) and the per-head relative attention bias keep their
  base std (width-independent, as muP's readouts and vector-like weights must); the shared
  embedding keeps std ``initializer_factor``.
* Relative attention bias: (num_buckets, num_heads) has no width dim (heads fixed): a Theta(1)
  additive logit per head, trained with the unscaled LR. When heads are the width, it becomes an
  input-like weight (fixed in, width out) and is handled as one.
* Tied LM head. T5 multiplies the decoder output by d_model^-1/2 before the tied ``lm_head``: the
  standard-parametrization readout (under Adam its update grows like sqrt(width)). muP: the factor
  is d_model_base^-1/2 (``model_dim``, a knob of the upstream forward) and ``MuReadout`` adds
  ``output_mult / width_mult``: equal to T5 at base width, Theta(1) updates at every width.
* Cross-attention: q from the decoder's width, k and v from the encoder's: all hidden weights,
  scaled like self-attention.

Shown by ``tests/test_t5.py``: after 3 Adam steps the encoder output, decoder output and logits do
not grow with width (64 -> 512) under muP and do under standard parametrization.
"""
from transformers.models.t5 import modeling_t5 as upstream

from ...core import MuPError, MuPreTrainedModel
from .configuration_t5 import MuT5Config


class MuT5PreTrainedModel(MuPreTrainedModel, upstream.T5PreTrainedModel):
    config_class = MuT5Config
    config: MuT5Config
    mup_attention_classes = (upstream.T5Attention,)
    mup_attention_folded_into_init = True
    mup_residual_blocks = (upstream.T5Block,)
    coord_check_modules = {"mlp": (upstream.T5DenseActDense, upstream.T5DenseGatedActDense)}

    @staticmethod
    def mup_query_weights(module):
        return [(module.q.weight, None)]

    @staticmethod
    def mup_branch_outputs(block):
        outputs = []
        for layer in block.layer:  # self-attention, cross-attention (decoder), feed-forward
            if isinstance(layer, upstream.T5LayerFF):
                outputs.append(layer.DenseReluDense.wo)
            else:
                outputs.append((getattr(layer, "SelfAttention", None) or layer.EncDecAttention).o)
        return outputs

    def mup_depth_field_of(self, block_name):
        ### muP: encoder and decoder are two stacks, each with its own depth (num_layers, num_decoder_layers)
        return "num_decoder_layers" if ".decoder." in f".{block_name}." else "num_layers"

    def post_init(self):
        if hasattr(self, "model_dim"):
            ### muP: readout multiplier d_model_base**-0.5; MuReadout adds output_mult / width_mult
            self.model_dim = self.config.mup_base_config().d_model
        super().post_init()

    def _init_weights(self, module):
        ### muP: T5's init formulas need the base dims, which a .bsh file alone does not give
        if self.config.mup_base is None and any(
                getattr(p, "infshape", None) is not None and p.infshape.width_mult() != 1
                and not getattr(p, "_is_hf_initialized", False) for p in module.parameters(recurse=False)):
            raise MuPError("A muP T5 needs its base dims in the config: T5's init formulas read d_model, "
                           "d_ff and d_kv. Set config.mup_base (e.g. {'d_model': 64, 'd_ff': 256, 'd_kv': 16}) "
                           "instead of base shapes from a .bsh file alone.")
        super()._init_weights(module)


class MuT5Model(MuT5PreTrainedModel, upstream.T5Model):
    pass


class MuT5ForConditionalGeneration(MuT5PreTrainedModel, upstream.T5ForConditionalGeneration):
    pass


class MuT5EncoderModel(MuT5PreTrainedModel, upstream.T5EncoderModel):
    pass


class MuT5ForSequenceClassification(MuT5PreTrainedModel, upstream.T5ForSequenceClassification):
    pass


class MuT5ForTokenClassification(MuT5PreTrainedModel, upstream.T5ForTokenClassification):
    pass


class MuT5ForQuestionAnswering(MuT5PreTrainedModel, upstream.T5ForQuestionAnswering):
    pass


# Upstream code we rely on without overriding it (fingerprinted by tests/test_upstream.py).
UPSTREAM_RELIED_ON = [upstream.T5ForConditionalGeneration.forward]  # multiplies by self.model_dim**-0.5

# Auto class name -> muP class, registered by mutransformers.auto on import.
AUTO_CLASSES = {
    "AutoModel": MuT5Model,
    "AutoModelForSeq2SeqLM": MuT5ForConditionalGeneration,
    "AutoModelForPreTraining": MuT5ForConditionalGeneration,
    "AutoModelForTextEncoding": MuT5EncoderModel,
    "AutoModelForSequenceClassification": MuT5ForSequenceClassification,
    "AutoModelForTokenClassification": MuT5ForTokenClassification,
    "AutoModelForQuestionAnswering": MuT5ForQuestionAnswering,
}
