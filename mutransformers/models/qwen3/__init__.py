"""muP qwen3: config and model classes."""
from .configuration_qwen3 import MuQwen3Config
from .modeling_qwen3 import (AUTO_CLASSES, UPSTREAM_RELIED_ON, MuQwen3ForCausalLM, MuQwen3ForQuestionAnswering,
                             MuQwen3ForSequenceClassification, MuQwen3ForTokenClassification, MuQwen3Model,
                             MuQwen3PreTrainedModel)

__all__ = ['MuQwen3Config', 'MuQwen3ForCausalLM', 'MuQwen3ForQuestionAnswering', 'MuQwen3ForSequenceClassification',
           'MuQwen3ForTokenClassification', 'MuQwen3Model', 'MuQwen3PreTrainedModel']
