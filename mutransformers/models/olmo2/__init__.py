"""muP olmo2: config and model classes."""
from .configuration_olmo2 import MuOlmo2Config
from .modeling_olmo2 import (AUTO_CLASSES, UPSTREAM_RELIED_ON, MuOlmo2ForCausalLM, MuOlmo2ForSequenceClassification,
                             MuOlmo2Model, MuOlmo2PreTrainedModel)

__all__ = ['MuOlmo2Config', 'MuOlmo2ForCausalLM', 'MuOlmo2ForSequenceClassification', 'MuOlmo2Model',
           'MuOlmo2PreTrainedModel']
