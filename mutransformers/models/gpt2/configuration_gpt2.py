"""muP GPT-2 config: ``GPT2Config`` plus the muP fields of ``MuConfigMixin``."""
from transformers import GPT2Config

from ...core import MuConfigMixin, MuPError


class MuGPT2Config(MuConfigMixin, GPT2Config):
    model_type = "mugpt2"
    mup_width_fields = ("n_embd", "n_inner")  # n_inner None means 4 * n_embd: it follows n_embd
    mup_head_field = "n_head"
    mup_depth_fields = ("n_layer",)  # pre-norm: CompleteP applies (core/depth.py)

    def validate_mup(self):
        super().validate_mup()
        if not self.scale_attn_weights:
            raise MuPError("scale_attn_weights=False leaves attention logits unscaled; muP scales them by "
                           "attn_mult / d_head. Keep scale_attn_weights=True and tune attn_mult instead.")
