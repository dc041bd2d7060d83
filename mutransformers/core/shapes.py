"""Base shapes: which dims of each parameter are widths, and their size in the base model.

mup stores them on each parameter as ``p.infshape``. Here they come from the config: the
model's own class is built twice on the meta device, at the base dims and at the base dims
with every width doubled (no memory, milliseconds), and every dim that differs is a width.
"""
import contextvars
import json
from pathlib import Path

import mup
import torch
import yaml
from mup.infshape import InfDim, InfShape
from transformers.pytorch_utils import Conv1D

from .depth import attach_depth_rules
from .errors import MuPError

# True while a shape probe (a meta-device base or delta model) is being built.
_building_probe = contextvars.ContextVar("mutransformers_building_probe", default=False)
_probe_cache: dict = {}


def building_probe() -> bool:
    return _building_probe.get()


class Conv1DInfShape(InfShape):
    """``infshape`` of a transformers ``Conv1D`` weight, which is stored (fan_in, fan_out).

    ### muP: mup assumes (fan_out, fan_in) like nn.Linear; without this, Adam's LR and the init
    of a GPT-2 weight would follow its fan-out, wrong whenever d_ff and d_model scale apart.
    """

    def __init__(self, dims):
        super().__init__(dims)
        if self[0].isinf():
            self.main_idx, self.main = 0, self[0]

    def fanin_fanout(self):
        return self[0], self[1]


def _probe_model(model, config):
    args, kwargs = getattr(model, "_mup_init_args", ((), {}))
    token = _building_probe.set(True)
    try:
        with torch.device("meta"):
            return type(model)(config, *args, **kwargs)
    finally:
        _building_probe.reset(token)


def _all_shapes(model) -> dict:
    # remove_duplicate=False keeps tied names (lm_head.weight beside wte.weight), so the same
    # dict serves the model before tying (during construction and loading) and after.
    return {name: tuple(p.shape) for name, p in model.named_parameters(remove_duplicate=False)}


def derived_base_shapes(model) -> dict:
    """{name: [base dim or None per dim]} from the config's `mup_base` (None: finite dim)."""
    config = model.config
    base_config, delta_config = config.mup_base_config(with_base_depth=False), config.mup_delta_config()
    key = (type(model), repr(getattr(model, "_mup_init_args", None)),
           *(json.dumps(c.to_dict(), sort_keys=True, default=str) for c in (base_config, delta_config)))
    if key not in _probe_cache:
        base = _all_shapes(_probe_model(model, base_config))
        delta = _all_shapes(_probe_model(model, delta_config))
        _probe_cache[key] = {
            name: [b if b != d else None for b, d in zip(shape, delta[name])] for name, shape in base.items()
        }
    return _probe_cache[key]


def base_shapes_of(model) -> dict:
    """The base shapes the model's config stands for: recorded ones, else derived from `mup_base`."""
    recorded = model.config.mup_base_shapes
    if isinstance(recorded, str):
        resolve_saved_path(recorded, None)  # raises: a saved config's file is read only with its folder
    return dict(recorded) if recorded is not None else derived_base_shapes(model)


def _with_tied_aliases(model, base_shapes: dict) -> dict:
    # A mup .bsh file lists a tied weight once (under the embedding's name).
    tied = model.get_expanded_tied_weights_keys(all_submodels=True)
    full = dict(base_shapes)
    for target, source in tied.items():
        if target not in full and source in full:
            full[target] = full[source]
    return full


def _check_names(model, base_shapes: dict, shapes: dict):
    missing = sorted(set(shapes) - set(base_shapes))
    extra = sorted(set(base_shapes) - set(shapes))
    if missing or extra:
        raise MuPError(
            f"The base shapes do not match {type(model).__name__}: "
            f"{len(missing)} parameter(s) have no base shape (e.g. {missing[:3]}), "
            f"{len(extra)} base shape(s) name no parameter (e.g. {extra[:3]}). They were made for a "
            "model of another depth or with other heads. Regenerate them from this model's class and "
            "config (mutransformers.make_base_shapes or mup.make_base_shapes), or drop "
            "`mup_base_shapes` from the config and give `mup_base` instead.")
    for name, shape in shapes.items():
        if len(base_shapes[name]) != len(shape):
            raise MuPError(f"Base shape of {name} has {len(base_shapes[name])} dims, the parameter has "
                           f"shape {list(shape)}. Regenerate the base shapes for this model.")


def infshapes_of(model, base_shapes: dict | None = None) -> dict:
    """{name: InfShape} for every parameter name (tied aliases included)."""
    shapes = _all_shapes(model)
    base_shapes = _with_tied_aliases(model, base_shapes if base_shapes is not None else base_shapes_of(model))
    _check_names(model, base_shapes, shapes)
    conv1d_weights = {f"{n}.weight" for n, m in model.named_modules(remove_duplicate=False) if isinstance(m, Conv1D)}
    infshapes = {}
    for name, shape in shapes.items():
        dims = [InfDim(b, d) for b, d in zip(base_shapes[name], shape)]
        infshapes[name] = Conv1DInfShape(dims) if name in conv1d_weights else InfShape(dims)
    return infshapes


def attach_infshapes(model, base_shapes: dict | None = None):
    """Set ``p.infshape`` on every parameter from the config (or the given base shapes).

    Never rescales weights (unlike ``mup.set_base_shapes(rescale_params=True)``): use it after
    loading, ``copy.deepcopy`` or any wrapper that replaced the parameters.
    """
    if hasattr(model, "peft_config") and hasattr(model, "get_base_model"):  # adapters live above the core
        raise MuPError("This is a PEFT model: give it to mutransformers.attach_infshapes, which knows LoRA's "
                       "A and B (mutransformers.adapters).")
    infshapes = infshapes_of(model, base_shapes)
    for name, p in model.named_parameters(remove_duplicate=False):
        p.infshape = infshapes[name]
    if getattr(model, "mup_residual_blocks", ()):
        attach_depth_rules(model)  # the optimizer's depth factors (CompleteP), beside the width ones
    return infshapes


def live_base_shapes(model) -> dict:
    """{name: base dims} read off the parameters' current ``infshape``."""
    return {name: p.infshape.base_shape() for name, p in model.named_parameters(remove_duplicate=False)}


def fix_conv1d_infshape(module):
    """Give a Conv1D weight set by ``mup.set_base_shapes`` its (fan_in, fan_out) reading."""
    infshape = getattr(module.weight, "infshape", None)
    if infshape is not None and not isinstance(infshape, Conv1DInfShape):
        module.weight.infshape = Conv1DInfShape(list(infshape))


def base_dims(base_shapes) -> dict:
    """{name: [base dim or None, ...]} from a mup .bsh path or a dict of InfShapes / base-dim lists."""
    loaded = read_bsh(base_shapes) if isinstance(base_shapes, (str, Path)) else base_shapes
    return {k: v.base_shape() if isinstance(v, InfShape) else list(v) for k, v in loaded.items()}


_BSH_FIX = "Make one with mutransformers.make_base_shapes(model, savefile=...) or mup.make_base_shapes."


def read_bsh(path) -> dict:
    """A mup .bsh file, checked: a YAML mapping {parameter name: [base dim or null, ...]}."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise MuPError(f"Cannot read the base-shapes file {str(path)!r}: {error}. {_BSH_FIX}") from None
    try:
        loaded = yaml.safe_load(text)
    except yaml.YAMLError as error:
        raise MuPError(f"{str(path)!r} is not a base-shapes file: it is not YAML ({str(error).splitlines()[0]}). "
                       f"{_BSH_FIX}") from None
    if not isinstance(loaded, dict) or not loaded:
        raise MuPError(f"{str(path)!r} is not a base-shapes file: it holds {type(loaded).__name__}, not a mapping "
                       f"of parameter names to base shapes. {_BSH_FIX}")
    for name, dims in loaded.items():
        if not isinstance(name, str) or not isinstance(dims, list) or not all(
                d is None or (isinstance(d, int) and not isinstance(d, bool) and d > 0) for d in dims):
            raise MuPError(f"{str(path)!r} is not a base-shapes file: entry {name!r}: {dims!r} is not a list of "
                           f"base dims (positive integers, null for a dim that is not a width). {_BSH_FIX}")
    return loaded


def resolve_saved_path(name: str, folder) -> Path:
    """A file named by a saved config, read only inside the checkpoint folder it came with."""
    if folder is None:
        raise MuPError(f"The config names mup_base_shapes={name!r}, a file, but not the folder it came with. Load "
                       "it with from_pretrained(<checkpoint folder>), which reads the file inside that folder.")
    root = Path(folder).resolve()
    path = (root / name).resolve()
    if Path(name).is_absolute() or not path.is_relative_to(root):
        raise MuPError(f"config.json in {str(folder)!r} names mup_base_shapes={name!r}, outside the checkpoint "
                       "folder: a saved config may only name a file inside its own folder. Copy the .bsh file into "
                       "the folder and name it relatively, or store the base shapes themselves in config.json "
                       "(save_pretrained does).")
    if not path.is_file():
        raise MuPError(f"config.json in {str(folder)!r} names mup_base_shapes={name!r}, which is not in that "
                       "folder. Put the .bsh file there, or store the base shapes in config.json.")
    return path


def make_base_shapes(model, savefile: str | None = None) -> dict:
    """The model's base shapes as mup ``InfShape``s (one name per tied weight), optionally saved as .bsh."""
    infshapes = infshapes_of(model)
    names = dict(model.named_parameters())  # tied weights once, as mup lists them
    shapes = {name: infshapes[name] for name in names}
    if savefile is not None:
        mup.shape.save_base_shapes(shapes, savefile)
    return shapes


def set_base_shapes(model, base, rescale_params: bool = True, **kwargs):
    """``mup.set_base_shapes`` with a clear error for base shapes made for another model.

    ``base`` is what mup takes (a model, a dict of shapes or InfShapes, a .bsh path). Conv1D weights
    get their (fan_in, fan_out) reading afterwards.
    """
    if isinstance(base, (str, dict)):
        _check_names(model, _with_tied_aliases(model, base_dims(base)), _all_shapes(model))
    mup.set_base_shapes(model, base, rescale_params=rescale_params, **kwargs)
    for module in model.modules():
        if isinstance(module, Conv1D):
            fix_conv1d_infshape(module)
    return model
