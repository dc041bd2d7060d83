"""What we change in transformers, shown against the code it replaces, and pinned by fingerprints.

``mutransformers diff bert`` writes ``_original_modeling_bert.py`` and ``_original_configuration_bert.py``
next to our files (copied from the installed transformers, git-ignored) and prints every method a
muP class overrides beside the upstream method it replaces. ``fingerprints()`` hashes the source of
each of those upstream methods, plus the upstream code we rely on without overriding (the
attention ``__init__`` that sets ``scaling``, the init samplers we wrap, ...);
``tests/test_upstream.py`` compares them with the committed ones, so a transformers release that
moves the ground under us fails loudly, naming the method.
"""
import hashlib
import inspect
import shutil
from dataclasses import dataclass
from pathlib import Path

import transformers
from transformers import PreTrainedModel, initialization
from transformers.pytorch_utils import Conv1D

from .auto import ARCHITECTURES

# our package name, which is transformers' model folder: "bert" -> "mubert", "gemma3" -> "mugemma3_text"
ARCH_NAMES = {package.__name__.rsplit(".", 1)[-1]: model_type for model_type, package in ARCHITECTURES.items()}

# Upstream code we depend on without overriding it.
RELIED_ON = [
    PreTrainedModel.post_init, PreTrainedModel.init_weights, PreTrainedModel._initialize_weights,
    PreTrainedModel.tie_weights, PreTrainedModel.get_expanded_tied_weights_keys, PreTrainedModel._init_weights,
    initialization.normal_, initialization.trunc_normal_, initialization.no_init_weights, Conv1D.__init__,
]


@dataclass(frozen=True)
class Override:
    ours: object      # our function
    upstream: object  # the upstream function it replaces
    owner: str        # "MuBertForMaskedLM.__init__"
    replaces: str     # "BertForMaskedLM.__init__"


def _function(attr):
    return attr.__func__ if isinstance(attr, (classmethod, staticmethod)) else attr


def as_written(fn):
    """The function as transformers wrote it, not a decorator's wrapper: from transformers 5.25 the
    ``kernels`` package's ``use_kernelized_func`` replaces an attention's ``__init__`` with a closure over
    ``orig_init`` (no ``__wrapped__``), whose source would fingerprint the wrapper instead of upstream."""
    fn = inspect.unwrap(fn)
    while "orig_init" in fn.__code__.co_freevars:
        fn = inspect.unwrap(fn.__closure__[fn.__code__.co_freevars.index("orig_init")].cell_contents)
    return fn


def _is_ours(cls) -> bool:
    return cls.__module__.split(".")[0] == "mutransformers"


_OUR_DIR = str(Path(__file__).resolve().parent)


def _written_by_us(fn) -> bool:
    # not dataclass-generated (config __init__, __eq__) or wrapped by transformers: our source
    return fn.__code__.co_filename.startswith(_OUR_DIR)


def _has_source(fn) -> bool:
    return not fn.__code__.co_filename.startswith("<")


def _classes(arch: str) -> list:
    package = ARCHITECTURES[ARCH_NAMES[arch]]
    return [getattr(package, name) for name in package.__all__]


def overrides(arch: str) -> list[Override]:
    """Every method a muP class of ``arch`` (or its config) takes from us instead of from transformers."""
    found = {}
    for cls in _classes(arch):
        mro = cls.__mro__
        for i, klass in enumerate(mro):
            if not _is_ours(klass):
                continue
            for name, attr in vars(klass).items():
                if not inspect.isfunction(_function(attr)) or not _written_by_us(_function(attr)):
                    continue
                upstream = next((k for k in mro[i + 1:] if not _is_ours(k) and name in vars(k)), None)
                replaced = upstream and as_written(_function(vars(upstream)[name]))
                if upstream is None or not _has_source(replaced):
                    continue
                if (klass.__name__, name, upstream.__name__) not in found:
                    found[(klass.__name__, name, upstream.__name__)] = Override(
                        _function(attr), replaced, f"{klass.__name__}.{name}", f"{upstream.__name__}.{name}")
    return list(found.values())


def relied_on(arch: str) -> list:
    """Upstream functions of ``arch`` we depend on: its attention ``__init__``s (they set ``scaling``),
    what its package declares in ``UPSTREAM_RELIED_ON``, and the shared ones."""
    attention = {as_written(a.__init__) for cls in _classes(arch) for a in getattr(cls, "mup_attention_classes", ())}
    declared = getattr(ARCHITECTURES[ARCH_NAMES[arch]], "UPSTREAM_RELIED_ON", [])
    return sorted(attention, key=lambda f: f.__qualname__) + [as_written(fn) for fn in [*declared, *RELIED_ON]]


def _location(fn) -> str:
    path = Path(inspect.getsourcefile(fn))
    root = Path(transformers.__file__).parent.parent
    try:
        path = path.relative_to(root)
    except ValueError:
        pass
    return f"{path}:{inspect.getsourcelines(fn)[1]}"


def fingerprints() -> dict:
    """{qualified upstream name: sha256 of its source} for everything we override or rely on."""
    prints = {}
    for arch in ARCH_NAMES:
        functions = [o.upstream for o in overrides(arch)] + relied_on(arch)
        for fn in functions:
            source = inspect.getsource(fn)
            prints[f"{fn.__module__}.{fn.__qualname__}"] = hashlib.sha256(source.encode()).hexdigest()[:16]
    return dict(sorted(prints.items()))


def write_originals(arch: str, out_dir: Path | None = None) -> list[Path]:
    """Copy the installed transformers' modeling and configuration files of ``arch`` into ``out_dir``
    (default: the working directory, never the installed package)."""
    out_dir = Path(out_dir or ".")
    upstream = Path(transformers.__file__).parent / "models" / arch
    written = []
    for kind in ("modeling", "configuration"):
        target = out_dir / f"_original_{kind}_{arch}.py"
        shutil.copyfile(upstream / f"{kind}_{arch}.py", target)
        written.append(target)
    return written


def render(arch: str) -> str:
    """Each override beside the upstream code it replaces (ours first, muP lines marked ``### muP``)."""
    blocks = []
    by_ours = {}
    for o in overrides(arch):
        by_ours.setdefault(o.ours, []).append(o)
    for ours, group in by_ours.items():
        blocks.append(f"{'=' * 100}\nOURS  {group[0].owner}  ({_location(ours)})\n{'-' * 100}\n"
                      f"{inspect.getsource(ours).rstrip()}")
        for upstream in {o.upstream: o for o in group}.values():
            blocks.append(f"{'-' * 100}\nREPLACES  {upstream.replaces}  ({_location(upstream.upstream)})\n"
                          f"{'-' * 100}\n{inspect.getsource(upstream.upstream).rstrip()}")
    return "\n".join(blocks)
