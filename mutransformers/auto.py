"""Registers every muP model type with transformers' Auto classes (done on `import mutransformers`).

Distinct model types (`mubert`, `mugpt2`, `mullama`, ... : ``mu`` + upstream's) mean a saved muP checkpoint can only come back as a
muP model: ``AutoModelForCausalLM.from_pretrained(dir)`` never silently builds an SP one.
"""
import transformers


from .models import (bart, bert, gemma3, gpt2, gpt_neox, llama, mistral, modernbert, olmo2, phi3, qwen2, qwen3, roberta,
                     t5)

ARCHITECTURES = {"mubert": bert, "muroberta": roberta, "mugpt2": gpt2, "mut5": t5, "mullama": llama,
                 "mumistral": mistral, "muqwen2": qwen2, "muqwen3": qwen3, "muolmo2": olmo2,
                 "muphi3": phi3, "mugpt_neox": gpt_neox,
                 "mugemma3_text": gemma3, "mubart": bart, "mumodernbert": modernbert}


def register_all():
    for model_type, package in ARCHITECTURES.items():
        config_class = package.AUTO_CLASSES["AutoModel"].config_class
        transformers.AutoConfig.register(model_type, config_class, exist_ok=True)
        for auto_name, model_class in package.AUTO_CLASSES.items():
            getattr(transformers, auto_name).register(config_class, model_class, exist_ok=True)


class AutoConfig:
    """``transformers.AutoConfig`` that also knows the shipped presets (``"mugpt2-small"``, ...)."""

    @classmethod
    def from_pretrained(cls, pretrained_model_name_or_path, *args, **kwargs):
        from .presets import is_preset_like, preset_config
        if is_preset_like(pretrained_model_name_or_path):
            return preset_config(pretrained_model_name_or_path, **kwargs)
        return transformers.AutoConfig.from_pretrained(pretrained_model_name_or_path, *args, **kwargs)
