"""muP (Maximal Update Parametrization, Tensor Programs V) for HuggingFace transformers models.

Importing registers the muP model types with transformers' Auto classes. Classic names are
exported too, so ``from mutransformers import BertConfig, BertForMaskedLM`` swaps one import.
"""
from .auto import register_all
from .core import MuConfigMixin, MuPError, MuPreTrainedModel, attach_infshapes, make_base_shapes, set_base_shapes
from .models.bert import (MuBertConfig, MuBertForMaskedLM, MuBertForMultipleChoice,
                          MuBertForNextSentencePrediction, MuBertForPreTraining, MuBertForQuestionAnswering,
                          MuBertForSequenceClassification, MuBertForTokenClassification, MuBertLMHeadModel,
                          MuBertModel, MuBertPreTrainedModel)
from .models.gpt2 import (MuGPT2Config, MuGPT2DoubleHeadsModel, MuGPT2ForQuestionAnswering,
                          MuGPT2ForSequenceClassification, MuGPT2ForTokenClassification, MuGPT2LMHeadModel,
                          MuGPT2Model, MuGPT2PreTrainedModel)
from .optim import MuAdam, MuAdamW, MuSGD

__version__ = "0.1.0"

register_all()

# Classic names: the muP classes under the upstream names.
BertConfig = MuBertConfig
BertModel = MuBertModel
BertForPreTraining = MuBertForPreTraining
BertLMHeadModel = MuBertLMHeadModel
BertForMaskedLM = MuBertForMaskedLM
BertForNextSentencePrediction = MuBertForNextSentencePrediction
BertForSequenceClassification = MuBertForSequenceClassification
BertForMultipleChoice = MuBertForMultipleChoice
BertForTokenClassification = MuBertForTokenClassification
BertForQuestionAnswering = MuBertForQuestionAnswering
GPT2Config = MuGPT2Config
GPT2Model = MuGPT2Model
GPT2LMHeadModel = MuGPT2LMHeadModel
GPT2DoubleHeadsModel = MuGPT2DoubleHeadsModel
GPT2ForSequenceClassification = MuGPT2ForSequenceClassification
GPT2ForTokenClassification = MuGPT2ForTokenClassification
GPT2ForQuestionAnswering = MuGPT2ForQuestionAnswering
