"""muP (Maximal Update Parametrization, Tensor Programs V) for HuggingFace transformers models.

Importing registers the muP model types with transformers' Auto classes. Classic names are
exported too, so ``from mutransformers import BertConfig, BertForMaskedLM`` swaps one import.
"""
from .auto import ARCHITECTURES, AutoConfig, register_all
from .core import MuConfigMixin, MuPError, MuPreTrainedModel, make_base_shapes, set_base_shapes
from .models.bart import *  # noqa: F401,F403  (Mu* classes)
from .models.bert import *  # noqa: F401,F403
from .models.gemma3 import *  # noqa: F401,F403
from .models.gpt2 import *  # noqa: F401,F403
from .models.gpt_neox import *  # noqa: F401,F403
from .models.llama import *  # noqa: F401,F403
from .models.mistral import *  # noqa: F401,F403
from .models.modernbert import *  # noqa: F401,F403
from .models.olmo2 import *  # noqa: F401,F403
from .models.phi3 import *  # noqa: F401,F403
from .models.qwen2 import *  # noqa: F401,F403
from .models.qwen3 import *  # noqa: F401,F403
from .models.roberta import *  # noqa: F401,F403
from .models.t5 import *  # noqa: F401,F403
from .adapters import attach_infshapes  # the core's, plus PEFT models' LoRA layers
from .convert import from_sp, to_sp
from .optim import MuAdam, MuAdamW, MuSGD
from .presets import PRESETS, preset_config

__version__ = "0.1.0"

register_all()


def _export_classic_names():
    """``BertForMaskedLM = MuBertForMaskedLM`` and so on, for every muP class and config."""
    scope = globals()
    for package in ARCHITECTURES.values():
        for name in package.__all__:
            scope[name[2:]] = getattr(package, name)


_export_classic_names()
