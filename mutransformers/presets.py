"""Named muP configs shipped with the package (no hub): ``mt.AutoConfig.from_pretrained("mugpt2-small")``.

Each preset is an upstream-sized architecture plus its muP base: width 256 with the preset's head dim
(so base d_head = target d_head and the default ``attn_mult`` is sqrt(64) = 8 everywhere). The base
shapes each preset stands for are committed as ``base_shapes/<preset>.bsh`` for the manual workflow;
``mutransformers presets --write-base-shapes base_shapes`` regenerates them (and a test checks them).

The ``-completep`` presets declare a base depth too (4 layers: the proxy to tune is 4 layers deep):
they train with CompleteP's depth rules (core/depth.py). They have no ``.bsh``: a base-shapes file
holds per-parameter shapes, and depth is no dim of any parameter, so the manual workflow would train
them without their depth rules. Their base depth lives in the config's ``mup_base``.
"""
from pathlib import Path

import torch

from .core.config import register_config_names
from .core.errors import MuPError
from .core.shapes import make_base_shapes

# name: (model type, config fields, mup_base)
PRESETS = {
    "mubert-mini": ("mubert", dict(hidden_size=256, intermediate_size=1024, num_attention_heads=4,
                                   num_hidden_layers=4), {"hidden_size": 256, "intermediate_size": 1024}),
    "mubert-base": ("mubert", dict(hidden_size=768, intermediate_size=3072, num_attention_heads=12,
                                   num_hidden_layers=12),
                    {"hidden_size": 256, "intermediate_size": 1024, "num_attention_heads": 4}),
    "mubert-large": ("mubert", dict(hidden_size=1024, intermediate_size=4096, num_attention_heads=16,
                                    num_hidden_layers=24),
                     {"hidden_size": 256, "intermediate_size": 1024, "num_attention_heads": 4}),
    "muroberta-base": ("muroberta", dict(vocab_size=50265, hidden_size=768, intermediate_size=3072,
                                         num_attention_heads=12, num_hidden_layers=12, max_position_embeddings=514,
                                         type_vocab_size=1, pad_token_id=1, bos_token_id=0, eos_token_id=2),
                       {"hidden_size": 256, "intermediate_size": 1024, "num_attention_heads": 4}),
    "muroberta-large": ("muroberta", dict(vocab_size=50265, hidden_size=1024, intermediate_size=4096,
                                          num_attention_heads=16, num_hidden_layers=24, max_position_embeddings=514,
                                          type_vocab_size=1, pad_token_id=1, bos_token_id=0, eos_token_id=2),
                        {"hidden_size": 256, "intermediate_size": 1024, "num_attention_heads": 4}),
    "mugpt2-small": ("mugpt2", dict(n_embd=768, n_head=12, n_layer=12), {"n_embd": 256, "n_head": 4}),
    "mugpt2-medium": ("mugpt2", dict(n_embd=1024, n_head=16, n_layer=24), {"n_embd": 256, "n_head": 4}),
    "mugpt2-large": ("mugpt2", dict(n_embd=1280, n_head=20, n_layer=36), {"n_embd": 256, "n_head": 4}),
    "mugpt2-xl": ("mugpt2", dict(n_embd=1600, n_head=25, n_layer=48), {"n_embd": 256, "n_head": 4}),
    "mugpt2-xl-completep": ("mugpt2", dict(n_embd=1600, n_head=25, n_layer=48),
                            {"n_embd": 256, "n_head": 4, "n_layer": 4}),
    "mut5-small": ("mut5", dict(d_model=512, d_ff=2048, d_kv=64, num_heads=8, num_layers=6,
                                decoder_start_token_id=0), {"d_model": 256, "d_ff": 1024, "num_heads": 4}),
    "mut5-base": ("mut5", dict(d_model=768, d_ff=3072, d_kv=64, num_heads=12, num_layers=12,
                               decoder_start_token_id=0), {"d_model": 256, "d_ff": 1024, "num_heads": 4}),
    "mut5-large": ("mut5", dict(d_model=1024, d_ff=4096, d_kv=64, num_heads=16, num_layers=24,
                                decoder_start_token_id=0), {"d_model": 256, "d_ff": 1024, "num_heads": 4}),
    "mullama-tiny": ("mullama", dict(vocab_size=32000, hidden_size=512, intermediate_size=1376, num_attention_heads=8,
                                     num_key_value_heads=8, num_hidden_layers=8),
                     {"hidden_size": 256, "intermediate_size": 688, "num_attention_heads": 4}),
    "mullama-1b": ("mullama", dict(vocab_size=128256, hidden_size=2048, intermediate_size=8192,
                                   num_attention_heads=32, num_key_value_heads=8, num_hidden_layers=16,
                                   tie_word_embeddings=True),
                   {"hidden_size": 256, "intermediate_size": 1024, "num_attention_heads": 4}),
    "mullama-1b-completep": ("mullama", dict(vocab_size=128256, hidden_size=2048, intermediate_size=8192,
                                             num_attention_heads=32, num_key_value_heads=8, num_hidden_layers=16,
                                             tie_word_embeddings=True),
                             {"hidden_size": 256, "intermediate_size": 1024, "num_attention_heads": 4,
                              "num_hidden_layers": 4}),
    "mullama-7b": ("mullama", dict(vocab_size=32000, hidden_size=4096, intermediate_size=11008,
                                   num_attention_heads=32, num_key_value_heads=32, num_hidden_layers=32),
                   {"hidden_size": 256, "intermediate_size": 688, "num_attention_heads": 2}),
    # the next three keep upstream's query heads per key/value head in the base, so their base width is
    # a multiple of that group times the head dim (Mistral 4 x 128, Qwen2 7 x 64; Qwen3 2 x 128 fits 256)
    "mumistral-7b": ("mumistral", dict(vocab_size=32000, hidden_size=4096, intermediate_size=14336,
                                       num_attention_heads=32, num_key_value_heads=8, num_hidden_layers=32),
                     {"hidden_size": 512, "intermediate_size": 1792, "num_attention_heads": 4,
                      "num_key_value_heads": 1}),
    "muqwen2-0.5b": ("muqwen2", dict(vocab_size=151936, hidden_size=896, intermediate_size=4864,
                                     num_attention_heads=14, num_key_value_heads=2, num_hidden_layers=24,
                                     tie_word_embeddings=True),
                     {"hidden_size": 448, "intermediate_size": 2432, "num_attention_heads": 7,
                      "num_key_value_heads": 1}),
    "muqwen3-0.6b": ("muqwen3", dict(vocab_size=151936, hidden_size=1024, intermediate_size=3072,
                                     num_attention_heads=16, num_key_value_heads=8, head_dim=128,
                                     num_hidden_layers=28, tie_word_embeddings=True),
                     {"hidden_size": 256, "intermediate_size": 768, "num_attention_heads": 4,
                      "num_key_value_heads": 2}),
    "muphi3-mini": ("muphi3", dict(vocab_size=32064, hidden_size=3072, intermediate_size=8192, num_attention_heads=32,
                                   num_key_value_heads=32, num_hidden_layers=32),
                    {"hidden_size": 384, "intermediate_size": 1024, "num_attention_heads": 4,
                     "num_key_value_heads": 4}),  # head dim 96: the base is 4 heads wide
    "mupythia-1b": ("mugpt_neox", dict(vocab_size=50304, hidden_size=2048, intermediate_size=8192,
                                       num_attention_heads=8, num_hidden_layers=16,
                                       rope_parameters={"rope_type": "default", "rope_theta": 10000.0,
                                                        "partial_rotary_factor": 0.25}),
                    {"hidden_size": 256, "intermediate_size": 1024, "num_attention_heads": 1}),  # head dim 256
    "mugemma3-4b": ("mugemma3_text", dict(vocab_size=262208, hidden_size=2560, intermediate_size=10240,
                                         num_attention_heads=8, num_key_value_heads=4, head_dim=256,
                                         query_pre_attn_scalar=256, num_hidden_layers=34, sliding_window=1024),
                    {"hidden_size": 640, "intermediate_size": 2560, "num_attention_heads": 2,
                     "num_key_value_heads": 1}),  # 2 query heads per kv head kept: the base has 2 heads of 256
    "mubart-large": ("mubart", dict(vocab_size=50265, d_model=1024, encoder_ffn_dim=4096, decoder_ffn_dim=4096,
                                    encoder_attention_heads=16, decoder_attention_heads=16, encoder_layers=12,
                                    decoder_layers=12),
                     {"d_model": 256, "encoder_ffn_dim": 1024, "decoder_ffn_dim": 1024,
                      "encoder_attention_heads": 4, "decoder_attention_heads": 4}),  # head dim 64 kept
    "mumodernbert-base": ("mumodernbert", dict(vocab_size=50368, hidden_size=768, intermediate_size=1152,
                                               num_attention_heads=12, num_hidden_layers=22),
                          {"hidden_size": 256, "intermediate_size": 384, "num_attention_heads": 4}),  # head dim 64
    "muolmo2-1b": ("muolmo2", dict(vocab_size=100352, hidden_size=2048, intermediate_size=8192,
                                   num_attention_heads=16, num_key_value_heads=16, num_hidden_layers=16),
                   {"hidden_size": 256, "intermediate_size": 1024, "num_attention_heads": 2,
                    "num_key_value_heads": 2}),
}


def preset_config(name: str, **overrides):
    """The config of a preset, with keyword overrides (``n_layer=6``)."""
    from .auto import ARCHITECTURES
    if name not in PRESETS:
        raise MuPError(f"Unknown preset {name!r}. Available: {', '.join(sorted(PRESETS))}.")
    model_type, fields, base = PRESETS[name]
    config_class = ARCHITECTURES[model_type].AUTO_CLASSES["AutoModel"].config_class
    return config_class(**{**fields, "mup_base": dict(base), **overrides})


def is_preset_like(name) -> bool:
    """A name that is meant as a preset (``mu...`` and no such path): unknown ones get the list."""
    return isinstance(name, str) and name.startswith("mu") and not Path(name).exists() and "/" not in name


def _named_preset(name, **overrides):
    return preset_config(name, **overrides) if is_preset_like(name) else None


register_config_names(_named_preset)  # MuGPT2Config.from_pretrained("mugpt2-small") and the like


def has_base_shapes_file(name: str) -> bool:
    """Every preset but those with a base depth (a .bsh cannot carry one)."""
    return not preset_config(name).mup_depth_base()


def write_base_shapes(folder) -> list[Path]:
    """Writes ``<preset>.bsh`` for every preset that has one (its base model's AutoModel class, built on meta)."""
    from .auto import ARCHITECTURES
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, (model_type, _, _) in sorted(PRESETS.items()):
        if not has_base_shapes_file(name):
            continue
        model_class = ARCHITECTURES[model_type].AUTO_CLASSES["AutoModel"]
        with torch.device("meta"):
            model = model_class(preset_config(name))
        path = folder / f"{name}.bsh"
        make_base_shapes(model, savefile=str(path))
        written.append(path)
    return written
