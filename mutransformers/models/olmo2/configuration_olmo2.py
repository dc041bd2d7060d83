"""muP OLMo-2 config: Llama's width declarations on ``Olmo2Config`` (no ``head_dim`` field), no depth
rules (its norms follow the sublayers), ``query_zero_init`` refused (QK-norm, see modeling_olmo2)."""
from transformers import Olmo2Config

from ...core import MuConfigMixin, MuPError
from ..llama.configuration_llama import LlamaStyleMuP


class MuOlmo2Config(LlamaStyleMuP, MuConfigMixin, Olmo2Config):
    model_type = "muolmo2"
    mup_width_fields = ("hidden_size", "intermediate_size")  # head_dim = hidden_size // heads, derived upstream
    mup_heads_must_divide = True
    mup_depth_fields = ()
    mup_depth_refused = {"num_hidden_layers": "OLMo-2 normalizes each sublayer's output and not its input, and "
                                              "CompleteP's depth rules are derived for pre-LN transformers only."}

    def validate_mup(self):
        super().validate_mup()
        ### muP: a zero query meets q_norm, whose Jacobian at 0 is 1/sqrt(eps)
        if self.query_zero_init:
            raise MuPError("query_zero_init=True with OLMo-2's QK-norm: q_norm(0) is 0, but its slope there is "
                           f"1/sqrt(rms_norm_eps) = {self.rms_norm_eps ** -0.5:.0f}, so the first update jumps the "
                           "normalized query to full size. Leave query_zero_init False (the default) for QK-norm "
                           "architectures.")
