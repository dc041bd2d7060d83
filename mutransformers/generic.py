"""muP for a Llama-shaped transformers decoder we have not declared by hand, once it has proved itself.

The declared architectures (``models/``) each list their muP edits. Many newer decoders are Llama
with other names (StableLM, Helium, Granite, ...): their attention keeps ``scaling`` on the module
and projects the query with ``q_proj``, and muP then needs no more than the declarations Llama
has. ``generic_classes(model_type)`` builds those declarations from the upstream classes:

* the config: ``hidden_size``, ``intermediate_size`` (and ``head_dim`` where it is a field) are the
  widths, ``num_attention_heads`` the head field, ``num_key_value_heads`` may appear in a base;
* the model: every module with a ``q_proj`` and a float ``scaling`` is an attention module; readouts
  and embeddings are found from the base shapes, as for every architecture; no depth rules (a base
  depth is refused: the generic path does not know where the residual branches end).

Such a guess can be wrong in ways no construction error shows (Gemma 2 multiplies its embeddings by
sqrt(hidden_size), an input multiplier that grows with width). So the classes are handed out only
for a model type that passed ``mutransformers check-arch <model_type>`` (the battery of
``checks.py``) under the installed transformers version: the results we measured ship in
``generic_verified.json``; ``check-arch`` adds yours to ``~/.cache/mutransformers/verified_archs.json``
(``MUTRANSFORMERS_HOME`` moves it). Anything else is refused with an error that names ``check-arch``.
"""
import functools
import importlib
import json
import os
from pathlib import Path

import transformers
from transformers.models.auto import configuration_auto, modeling_auto

from .core import MuConfigMixin, MuPError, MuPreTrainedModel
from .models.llama.configuration_llama import LlamaStyleMuP
from .models.llama.modeling_llama import LlamaStyleModules

SHIPPED = Path(__file__).with_name("generic_verified.json")
HEADS = {  # Auto class -> upstream's mapping of model types to class names
    "AutoModel": modeling_auto.MODEL_MAPPING_NAMES,
    "AutoModelForCausalLM": modeling_auto.MODEL_FOR_CAUSAL_LM_MAPPING_NAMES,
    "AutoModelForSequenceClassification": modeling_auto.MODEL_FOR_SEQUENCE_CLASSIFICATION_MAPPING_NAMES,
    "AutoModelForTokenClassification": modeling_auto.MODEL_FOR_TOKEN_CLASSIFICATION_MAPPING_NAMES,
    "AutoModelForQuestionAnswering": modeling_auto.MODEL_FOR_QUESTION_ANSWERING_MAPPING_NAMES,
}
_NO_DEPTH = ("the generic path has no depth rules (it does not know where the residual branches end); "
             "declare the architecture under mutransformers/models to use CompleteP")


def user_store() -> Path:
    home = os.environ.get("MUTRANSFORMERS_HOME")
    return Path(home) / "verified_archs.json" if home else Path.home() / ".cache" / "mutransformers" / "verified_archs.json"


def _records(path: Path) -> dict:
    return json.loads(path.read_text()) if path.exists() and path.stat().st_size else {}


def verification(model_type: str) -> dict | None:
    """The newest check-arch record of ``model_type`` under the installed transformers version, or None."""
    for path in (user_store(), SHIPPED):
        record = _records(path).get(model_type)
        if record is not None and record["transformers"] == transformers.__version__:
            return record
    return None


def record_verification(model_type: str, record: dict, path=None) -> Path:
    """Merges ``record`` into a JSON file keyed by model type: the user store, or ``path``
    (``check-arch --json``, how generic_verified.json is made)."""
    path = Path(path) if path is not None else user_store()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(dict(sorted({**_records(path), model_type: record}.items())), indent=1) + "\n")
    return path


def _upstream(model_type: str):
    if model_type not in configuration_auto.CONFIG_MAPPING_NAMES:
        raise MuPError(f"transformers {transformers.__version__} has no model type {model_type!r}.")
    module_name = configuration_auto.model_type_to_module_name(model_type)
    modeling = importlib.import_module(f"transformers.models.{module_name}.modeling_{module_name}")
    return configuration_auto.CONFIG_MAPPING[model_type], modeling


def tiny_config_fields(config_class, width: int) -> dict:
    """A 2-layer config of ``width`` with 4 heads of width/4 (2 key/value heads where grouped)."""
    fields = config_class.__dataclass_fields__
    dims = dict(vocab_size=256, hidden_size=width, intermediate_size=4 * width, num_attention_heads=4,
                num_hidden_layers=2, max_position_embeddings=128, pad_token_id=0, bos_token_id=0, eos_token_id=0)
    if "num_key_value_heads" in fields:
        dims["num_key_value_heads"] = 2
    if "head_dim" in fields:
        dims["head_dim"] = width // 4
    if "attn_logit_softcapping" in fields:  # the check's recording kernel is sdpa, which has no soft-capping
        dims["attn_logit_softcapping"] = None
    return dims


def _attention_classes(upstream_model) -> tuple:
    found = {type(m) for m in upstream_model.modules()
             if hasattr(m, "q_proj") and isinstance(getattr(m, "scaling", None), float)}
    if not found:
        raise MuPError(f"{type(upstream_model).__name__} has no attention module with a q_proj and a float "
                       "`scaling` attribute: the generic path cannot apply muP's 1/d attention to it. Declare the "
                       "architecture under mutransformers/models (ModernBERT shows a literal-scale attention).")
    return tuple(sorted(found, key=lambda c: c.__name__))


def generic_classes(model_type: str, verified_only: bool = True) -> dict:
    """{Auto class name: muP class} for an upstream model type, built from Llama's declarations.

    ``verified_only=False`` is for ``check-arch`` itself: it builds the classes it is about to test.
    """
    import mutransformers
    if f"mu{model_type}" in mutransformers.ARCHITECTURES:
        raise MuPError(f"{model_type!r} is declared by mutransformers: use mutransformers.Mu* classes or the Auto "
                       "classes, not the generic path.")
    record = verification(model_type) if verified_only else None
    if record is not None and not record["passed"]:
        failed = {k: c["detail"] for k, c in record["checks"].items() if not c["passed"] and "not run" not in c["detail"]}
        raise MuPError(f"{model_type!r} failed check-arch under transformers {transformers.__version__} ({failed}): "
                       "Llama's declarations do not give it muP. It needs a declaration of its own under "
                       "mutransformers/models (see Gemma 3's for a constant attention scale).")
    if verified_only and record is None:
        raise MuPError(f"muP for {model_type!r} has not been verified under transformers {transformers.__version__}: "
                       f"run `mutransformers check-arch {model_type}` (it runs the battery on a tiny config and "
                       "records the result); the generic path never falls back to an unchecked guess.")
    return _built_classes(model_type)


@functools.cache
def _built_classes(model_type: str) -> dict:
    """Built once per process: check-arch and the gated path then hand out the very same classes."""
    config_class, modeling = _upstream(model_type)
    fields = config_class.__dataclass_fields__
    missing = [f for f in ("hidden_size", "intermediate_size", "num_attention_heads", "num_hidden_layers")
               if f not in fields]
    if missing:
        raise MuPError(f"{config_class.__name__} has no {missing}: not a Llama-shaped config the generic path knows.")
    namespace = globals()
    widths = ("hidden_size", "intermediate_size") + (("head_dim",) if "head_dim" in fields else ())
    mu_config = type(f"Mu{config_class.__name__}", (LlamaStyleMuP, MuConfigMixin, config_class), {
        "__module__": __name__, "model_type": f"mu{model_type}", "mup_width_fields": widths,
        "mup_heads_must_divide": "head_dim" not in fields,
        "mup_base_extra_fields": ("num_key_value_heads",) if "num_key_value_heads" in fields else (),
        "mup_depth_fields": (), "mup_depth_refused": {"num_hidden_layers": _NO_DEPTH}})
    namespace[mu_config.__name__] = mu_config
    heads = {auto: getattr(modeling, names[model_type]) for auto, names in HEADS.items()
             if isinstance(names.get(model_type), str) and hasattr(modeling, names[model_type])}
    probe = heads["AutoModel"](config_class(**tiny_config_fields(config_class, 32)))
    pretrained = next(c for c in type(probe).__mro__ if c.__name__.endswith("PreTrainedModel"))
    mu_pretrained = type(f"Mu{pretrained.__name__}", (LlamaStyleModules, MuPreTrainedModel, pretrained), {
        "__module__": __name__, "config_class": mu_config, "mup_attention_classes": _attention_classes(probe),
        "coord_check_modules": {"mlp": tuple({type(layer.mlp) for layer in getattr(probe, "layers", [])
                                              if hasattr(layer, "mlp")})}})
    namespace[mu_pretrained.__name__] = mu_pretrained
    classes = {}
    for auto, upstream_class in heads.items():
        cls = type(f"Mu{upstream_class.__name__}", (mu_pretrained, upstream_class), {"__module__": __name__})
        namespace[cls.__name__] = cls
        classes[auto] = cls
    return classes


def register(model_type: str) -> dict:
    """Build a verified model type's muP classes and register them with transformers' Auto classes."""
    classes = generic_classes(model_type)
    config_class = classes["AutoModel"].config_class
    transformers.AutoConfig.register(config_class.model_type, config_class, exist_ok=True)
    for auto, cls in classes.items():
        getattr(transformers, auto).register(config_class, cls, exist_ok=True)
    return classes


def muclass_by_name(name: str):
    """A generic Mu* class already built in this process (``from_sp`` looks here after mutransformers)."""
    cls = globals().get(name)
    return cls if isinstance(cls, type) and issubclass(cls, MuPreTrainedModel) else None
