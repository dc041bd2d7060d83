"""muP BART config: ``BartConfig`` plus the muP fields of ``MuConfigMixin``."""
from transformers import BartConfig

from ...core import MuConfigMixin, MuPError

_POST_LN = ("BART is post-LN (a LayerNorm follows every residual add), and CompleteP's depth rules are derived "
            "for pre-LN transformers only.")


class MuBartConfig(MuConfigMixin, BartConfig):
    model_type = "mubart"
    mup_width_fields = ("d_model", "encoder_ffn_dim", "decoder_ffn_dim")
    mup_head_field = "encoder_attention_heads"
    mup_base_extra_fields = ("decoder_attention_heads",)
    mup_depth_refused = {"encoder_layers": _POST_LN, "decoder_layers": _POST_LN}

    def validate_mup(self):
        super().validate_mup()
        ### muP: one d_head for the whole model, since attn_mult / d_head is derived from a single head count
        for config, what in self.model_and_base():
            if config.encoder_attention_heads != config.decoder_attention_heads:
                raise MuPError(f"{what} has encoder_attention_heads={config.encoder_attention_heads} but "
                               f"decoder_attention_heads={config.decoder_attention_heads}: muP BART needs one head "
                               "count for both stacks (one d_head). Set both to the same value.")

    def mup_delta_config(self):
        delta = super().mup_delta_config()
        delta.decoder_attention_heads = delta.encoder_attention_heads  # the decoder's heads grow alike
        return delta
