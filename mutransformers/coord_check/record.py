"""Record activation size per module, per training step, for a family of models of growing width.

The TP V coordinate check (Section 7.2 and Fig. 5 of "Tensor Programs V"; ``mup.coord_check``):
train each width for a few steps on the same batches and watch the size of every activation. Under
muP none grows with width; under standard parametrization some blow up once training starts.

Hooks record each chosen module's output. Attention internals (q, k, v, the logits and the
attention core's output) are read inside transformers' attention call, so the logits are
recorded although training runs on sdpa, which never materializes them.

Beside its size, each activation's *change from initialization* is recorded (coordinate check v2):
before every step the model also runs, in eval mode and without gradients, on one fixed probe
batch (the first batch), and ``change_rms`` is the RMS of x_t - x_0 there. Under muP every change
is Theta(1) in width (TP V: "maximal update"); a parametrization whose updates vanish with width
(lazy training: e.g. one global Adam LR scaled by 1/width for every parameter) keeps every size
flat, and only this change shows it shrinking.
"""
import contextlib
import contextvars
from typing import Callable, Iterable

import torch
from torch import nn
from tqdm.auto import tqdm
from transformers import AttentionInterface
from transformers.integrations.sdpa_attention import sdpa_attention_forward
from transformers.modeling_layers import GradientCheckpointingLayer
from mup import MuReadout

from ..core.errors import MuPError

_RECORDER = "mutransformers_coord_check"  # attention implementation name registered below
_active = contextvars.ContextVar("mutransformers_active_recorder", default=None)


def _size(x: torch.Tensor) -> tuple[float, float]:
    x = x.detach().float()
    return x.abs().mean().item(), x.pow(2).mean().sqrt().item()


def _first_tensor(output):
    if isinstance(output, torch.Tensor):
        return output
    values = output.values() if isinstance(output, dict) else output if isinstance(output, (tuple, list)) else ()
    return next((v for v in values if isinstance(v, torch.Tensor)), None)


def _recording_attention(module, query, key, value, attention_mask, scaling=None, **kwargs):
    """sdpa, plus the sizes of q, k, v, the logits and the attention core's output."""
    recorder = _active.get()
    out = sdpa_attention_forward(module, query, key, value, attention_mask, scaling=scaling, **kwargs)
    if recorder is not None and module in recorder.names:
        name = recorder.names[module]
        with torch.no_grad():
            if key.shape[1] != query.shape[1]:  # grouped-query attention: share each k head
                key = key.repeat_interleave(query.shape[1] // key.shape[1], dim=1)
            scale = scaling if scaling is not None else query.shape[-1] ** -0.5
            logits = torch.matmul(query, key.transpose(-1, -2)) * scale  # (batch, heads, q_len, k_len)
            # q as its projection computes it: a literal-scale attention (ModernBERT) scales q for the kernel
            q = query / getattr(module, "query_prescale", 1.0)
            for kind, tensor in (("q", q), ("k", key), ("v", value), ("attn_logits", logits),
                                 ("attn_core", out[0])):
                recorder.add(f"{name}:{kind}", kind, tensor)
    return out


AttentionInterface.register(_RECORDER, _recording_attention)


def module_kinds(model: nn.Module, declared_by=None) -> dict:
    """{module: kind} to record.

    ``declared_by`` (default: the model) declares ``coord_check_modules`` and
    ``mup_attention_classes``: mutransformers classes do, and since those name upstream classes, a
    muP class also serves its plain transformers twin. Any other model gets every leaf module.
    """
    declared_by = model if declared_by is None else declared_by
    kinds = {}
    declared = getattr(declared_by, "coord_check_modules", None)
    if declared is None:
        for module in model.modules():
            if not list(module.children()):
                kinds[module] = type(module).__name__
        return kinds
    embeddings = model.get_input_embeddings() if hasattr(model, "get_input_embeddings") else None
    for module in model.modules():
        if isinstance(module, nn.Embedding) and embeddings is not None and module.weight is embeddings.weight:
            kinds[module] = "embedding"  # T5's encoder and decoder each look up the shared table
        elif isinstance(module, GradientCheckpointingLayer):
            kinds[module] = "block"
        elif isinstance(module, declared_by.mup_attention_classes):
            kinds[module] = "attn_out"
        elif isinstance(module, MuReadout) or module is _output_embeddings(model):
            kinds[module] = "logits"
        else:
            for kind, classes in declared.items():
                if isinstance(module, classes):
                    kinds[module] = kind
    return kinds


def _output_embeddings(model):
    return model.get_output_embeddings() if hasattr(model, "get_output_embeddings") else None


class Recorder:
    """Collects {module name: (kind, mean |x|, rms)} for one forward pass; with ``keep``, also the
    activations themselves ({name: tensor}), to measure their change from initialization."""

    def __init__(self, model: nn.Module, kinds: dict, names: dict | None = None):
        self.model, self.kinds = model, kinds
        self.names = names if names is not None else {m: (n or "model") for n, m in model.named_modules()}
        self.sizes, self.kept, self.keep = {}, {}, False

    def add(self, name, kind, tensor):
        if tensor is None:
            return
        if self.keep:
            self.kept[name] = tensor.detach().float().clone()
        else:
            self.sizes[name] = (kind, *_size(tensor))

    @torch.no_grad()
    def probe(self, model, loss_fn, batch) -> dict:
        """{name: activation} on ``batch``, in eval mode (no dropout), without gradients."""
        self.kept, self.keep = {}, True
        model.eval()
        try:
            with self.recording():
                loss_fn(model, batch)
        finally:
            model.train()
            self.keep = False
        return self.kept

    @contextlib.contextmanager
    def recording(self):
        handles = []
        for module, kind in self.kinds.items():
            name = self.names[module]
            handles.append(module.register_forward_hook(
                lambda m, args, out, name=name, kind=kind: self.add(name, kind, _first_tensor(out))))
            if kind == "logits":  # the readout's input: the final norm's output
                handles.append(module.register_forward_pre_hook(
                    lambda m, args, name=name: self.add(f"{name}:input", "final_norm", args[0])))
        token = _active.set(self)
        try:
            yield self
        finally:
            _active.reset(token)
            for handle in handles:
                handle.remove()


@contextlib.contextmanager
def _recording_attention_implementation(model):
    config = getattr(model, "config", None)
    if config is None or not hasattr(model, "set_attn_implementation"):
        yield
        return
    previous = config._attn_implementation
    model.set_attn_implementation(_RECORDER)
    try:
        yield
    finally:
        model.set_attn_implementation(previous)


def default_loss(model, batch):
    return model(**batch).loss if isinstance(batch, dict) else model(batch).loss


def make_optimizer(model, name: str, lr: float, mup_optimizer: bool):
    """Adam or SGD; with ``mup_optimizer`` mup's per-group LRs (parameters need ``infshape``)."""
    params = list(model.parameters())
    if name not in ("adam", "sgd"):
        raise MuPError(f"optimizer={name!r}: use 'adam' or 'sgd'.")
    if mup_optimizer:
        from ..optim import MuAdam, MuSGD
        return (MuAdam if name == "adam" else MuSGD)(params, lr=lr)
    return (torch.optim.Adam if name == "adam" else torch.optim.SGD)(params, lr=lr)


def collect_coords(models: dict, batches: Iterable, *, steps: int = 4, optimizer: str | Callable = "adam",
                   lr: float = 1e-2, mup_optimizer: bool = True, loss_fn: Callable = default_loss,
                   seeds: int = 1, declared_by=None, label: str = "", progress: bool = True,
                   axis: str = "width", module_names: Callable | None = None) -> list[dict]:
    """Train each model (``{width: zero-argument builder}``) ``steps`` steps on the same batches.

    ``optimizer``: "adam" or "sgd" at ``lr`` (with ``mup_optimizer``, mup's per-group LRs), or a
    callable ``(model, width) -> torch.optim.Optimizer``.

    ``axis`` names what the keys of ``models`` measure ("width", or "depth" for a family of growing
    depth); ``module_names(model) -> {module: name}`` names the recorded modules so that the same name
    means the same module at every size (a depth family calls its first and last block "first" and
    "last", see ``coord_check/depth.py``); modules it leaves out are not recorded.

    Returns one row per (width, module, step): ``width, module, kind, step, mean_abs, rms`` (the
    activation's size on that step's batch) and ``change_rms`` (its change from initialization on
    the probe batch, the first batch), each the mean over ``seeds`` initializations. Step t is the
    forward pass after t optimizer updates (t = 0: at initialization, where the change is 0).
    """
    batches = list(batches)[:steps]
    if len(batches) < steps:
        raise MuPError(f"{steps} steps need {steps} batches, got {len(batches)}.")
    if isinstance(optimizer, str):
        optimizer_name = optimizer
        optimizer = lambda model, width: make_optimizer(model, optimizer_name, lr, mup_optimizer)  # noqa: E731
    sums = {}
    bar = tqdm(total=seeds * len(models) * steps, desc=f"coord check {label}".strip(), disable=not progress)
    for seed in range(seeds):
        for width, build in models.items():
            for step, sizes in enumerate(_train(build, batches, optimizer, loss_fn, seed, declared_by, width,
                                                module_names)):
                for name, (kind, *values) in sizes.items():
                    total = sums.setdefault((width, name, step), [kind, 0.0, 0.0, 0.0])
                    for i, value in enumerate(values, start=1):
                        total[i] += value / seeds
                bar.update()
    bar.close()
    return [{axis: width, "module": name, "kind": kind, "step": step, "mean_abs": mean_abs, "rms": rms,
             "change_rms": change} for (width, name, step), (kind, mean_abs, rms, change) in sums.items()]


def _rms_change(now: torch.Tensor | None, initial: torch.Tensor | None) -> float:
    if now is None or initial is None or initial.shape != now.shape:
        return float("nan")
    return (now - initial).pow(2).mean().sqrt().item()


def _train(build, batches, optimizer, loss_fn, seed, declared_by, width, module_names=None):
    """Yields each step's {name: (kind, mean |x|, rms, rms of the change on the probe batch)}, then steps."""
    torch.manual_seed(seed)
    model = build()
    model.train()
    opt = optimizer(model, width)
    kinds, names = module_kinds(model, declared_by), None
    if module_names is not None:
        names = module_names(model)
        kinds = {module: kind for module, kind in kinds.items() if module in names}
    recorder = Recorder(model, kinds, names)
    with _recording_attention_implementation(model):
        initial = recorder.probe(model, loss_fn, batches[0])
        for step, batch in enumerate(batches):
            now = initial if step == 0 else recorder.probe(model, loss_fn, batches[0])
            recorder.sizes = {}
            with recorder.recording():
                loss = loss_fn(model, batch)
            if not torch.isfinite(loss):
                raise MuPError(f"Loss is {loss.item()} at width {width}, step {step}: lower the learning rate.")
            yield {name: (*size, _rms_change(now.get(name), initial.get(name)))
                   for name, size in recorder.sizes.items()}
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
