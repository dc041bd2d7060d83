"""muP Qwen3 config: Llama's muP declarations on ``Qwen3Config`` (whose ``head_dim`` is a field, 128 by
default), refusing ``query_zero_init`` (see modeling_qwen3)."""
from transformers import Qwen3Config

from ...core import MuConfigMixin, MuPError
from ..llama.configuration_llama import LlamaStyleMuP


class MuQwen3Config(LlamaStyleMuP, MuConfigMixin, Qwen3Config):
    model_type = "muqwen3"

    def validate_mup(self):
        super().validate_mup()
        ### muP: a zero query meets the per-head q_norm, whose Jacobian at 0 is 1/sqrt(eps)
        if self.query_zero_init:
            raise MuPError("query_zero_init=True with Qwen3's QK-norm: q_norm(0) is 0, but its slope there is "
                           f"1/sqrt(rms_norm_eps) = {self.rms_norm_eps ** -0.5:.0f}, so the first update jumps the "
                           "normalized query to full size. Leave query_zero_init False (the default) for QK-norm "
                           "architectures.")
