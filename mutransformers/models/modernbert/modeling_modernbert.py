"""muP ModernBERT: a pre-LN encoder with fused q/k/v, GeGLU and alternating local/global attention.

* The attention does not read a ``scaling`` attribute: its forward passes ``scaling=head_dim**-0.5``
  to the kernel as a literal. muP's logits are attn_mult * q.k / d_head, i.e. the literal times
  attn_mult / sqrt(d_head); that factor multiplies the query rows of ``Wqkv``'s output
  (``MuQueryProjection``, core/attention.py). q enters the logits linearly and RoPE is a rotation, so
  every backend computes muP's logits from upstream's unchanged forward. With the default
  attn_mult = sqrt(base d_head) the factor is sqrt(base d_head / d_head): 1 at base width.
  ``to_sp`` folds it into those rows of the weight (and bias).
* ``Wqkv`` stacks [q; k; v] along its output rows (the forward views it as (3, heads, head_dim)): one
  hidden weight; the query is its first ``heads * head_dim`` rows (``query_zero_init`` zeroes them).
* GeGLU: ``Wi`` maps the width to 2 x ``intermediate_size`` (input and gate halves): a hidden weight.
* The embeddings are LayerNorm-ed right after the lookup (as BERT's), so ``input_mult`` is normalized
  away there; the first layer has no attention norm of its own for that reason.
* Upstream draws the branch outputs with std initializer_range / sqrt(2 num_hidden_layers) and the
  classifiers with hidden_size^-0.5: both are evaluated at the base model's dims (and base depth),
  like every upstream init rule here; hidden weights then get muP's 1/sqrt(width_mult).
* Local (sliding-window) and global layers alternate: windows count tokens, not width, so they change
  nothing in muP.
* The MLM decoder shares the token embedding (a tied ``MuReadout``); the prediction head's ``dense``
  is a hidden weight; every classifier is a readout.
* Pre-LN residual blocks with outputs ``attn.Wo`` and ``mlp.Wo``: CompleteP applies.
"""
from transformers.models.modernbert import modeling_modernbert as upstream

from ...core import MuPreTrainedModel
from .configuration_modernbert import MuModernBertConfig


class MuModernBertPreTrainedModel(MuPreTrainedModel, upstream.ModernBertPreTrainedModel):
    config_class = MuModernBertConfig
    config: MuModernBertConfig
    mup_attention_classes = (upstream.ModernBertAttention,)
    mup_residual_blocks = (upstream.ModernBertEncoderLayer,)
    coord_check_modules = {"mlp": (upstream.ModernBertMLP,)}

    @staticmethod
    def mup_query_weights(module):
        weight = module.Wqkv.weight  # rows: [q; k; v]
        return [(weight, weight[: module.config.num_attention_heads * module.head_dim])]

    @staticmethod
    def mup_literal_attention_scale(module):
        return module.head_dim ** -0.5  ### muP: what upstream's forward passes as scaling=

    @staticmethod
    def mup_branch_outputs(block):
        return [block.attn.Wo, block.mlp.Wo]


class MuModernBertModel(MuModernBertPreTrainedModel, upstream.ModernBertModel):
    pass


class MuModernBertForMaskedLM(MuModernBertPreTrainedModel, upstream.ModernBertForMaskedLM):
    pass


class MuModernBertForSequenceClassification(MuModernBertPreTrainedModel,
                                            upstream.ModernBertForSequenceClassification):
    pass


class MuModernBertForTokenClassification(MuModernBertPreTrainedModel, upstream.ModernBertForTokenClassification):
    pass


class MuModernBertForQuestionAnswering(MuModernBertPreTrainedModel, upstream.ModernBertForQuestionAnswering):
    pass


class MuModernBertForMultipleChoice(MuModernBertPreTrainedModel, upstream.ModernBertForMultipleChoice):
    pass


AUTO_CLASSES = {
    "AutoModel": MuModernBertModel,
    "AutoModelForMaskedLM": MuModernBertForMaskedLM,
    "AutoModelForSequenceClassification": MuModernBertForSequenceClassification,
    "AutoModelForTokenClassification": MuModernBertForTokenClassification,
    "AutoModelForQuestionAnswering": MuModernBertForQuestionAnswering,
    "AutoModelForMultipleChoice": MuModernBertForMultipleChoice,
}
# the literal scale and the [q; k; v] row layout of Wqkv (the attention's forward); the init's stds read
# num_hidden_layers and hidden_size from the config, which base_dims() sets to the base model's
UPSTREAM_RELIED_ON = [upstream.ModernBertAttention.forward, upstream.ModernBertPreTrainedModel._init_weights]
