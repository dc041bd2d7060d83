"""muP phi3: config and model classes."""
from .configuration_phi3 import MuPhi3Config
from .modeling_phi3 import (AUTO_CLASSES, UPSTREAM_RELIED_ON, MuPhi3ForCausalLM, MuPhi3ForSequenceClassification,
                            MuPhi3ForTokenClassification, MuPhi3Model, MuPhi3PreTrainedModel)

__all__ = ['MuPhi3Config', 'MuPhi3ForCausalLM', 'MuPhi3ForSequenceClassification', 'MuPhi3ForTokenClassification',
           'MuPhi3Model', 'MuPhi3PreTrainedModel']
