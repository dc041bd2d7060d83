"""One LR-sweep run: build a model, train it on a fixed token budget, report held-out loss.

muP runs use ``MuAdamW`` on our model (base width = the sweep's smallest width); SP runs use
``torch.optim.AdamW`` on the plain transformers model with the same dims. The schedule is linear
warmup then cosine decay, a ``LambdaLR``: it multiplies every group's own LR by the same factor,
so mup's per-group ratios (hidden weights: lr / width_mult) hold at every step.

Init std: upstream's ``initializer_range`` = 0.02 was tuned for width 768 (GPT-2 small, BERT-base).
A base model of width 64 drawn with it starts ~3.5x smaller per fan-in than GPT-2 small, and in
the first LR-transfer experiment that left every muP width at the base model's loss (README).
Sweeps therefore scale it to the base width by the fan-in rule, 0.02 * sqrt(768 / base_width).
muP carries that base std to other widths by its own rules; SP by the fan-in rule of TP V's
standard parametrization (variance sigma^2 / fan_in), which is upstream's 0.02 again at width 768.
So the two parametrizations are the same model at the base width. T5 needs no such scaling: its
init is fan-in scaled already.

Warmup is 30% of the steps: with 10%, runs at and above the optimal LR were unstable and their
seeds disagreed by up to 0.33 nats (README). Gradients are clipped to global norm ``grad_clip``
(1.0, as GPT-2 recipes do) for both parametrizations, a guard against the remaining spikes; Adam
normalizes each coordinate, so a rescaled gradient changes little else.

Depth (CompleteP, core/depth.py): ``param`` ``completep`` (alpha 1) or ``depth_mup`` (alpha 0.5) is
muP with a base depth ``base_depth`` besides the base width; plain ``mup`` is muP in width only, whatever
its depth.

Ablations: ``config_set`` sets upstream config fields for every run of a sweep (``sweep --set
tie_word_embeddings=false``), e.g. to ask which of GPT-2's features stops depth from paying off.
"""
import json
import math
import time
from dataclasses import asdict, dataclass

import torch
from transformers import get_cosine_schedule_with_warmup

from .. import families
from ..core.errors import MuPError
from ..optim import MuAdamW
from . import data
from .corpus import as_corpus
from .provenance import provenance


@dataclass(frozen=True)
class RunConfig:
    arch: str
    param: str          # one of PARAMS
    width: int
    log2_lr: float
    seed: int
    base_width: int = 64
    steps: int = 300
    batch_size: int = 16
    seq_len: int = 128
    vocab_size: int = 2048
    n_layer: int = 2
    warmup: float = 0.3   # fraction of steps (see above)
    weight_decay: float = 0.0
    eval_batches: int = 16
    init_std: float = 0.02  # initializer_range of the base model (see base_init_std); T5 has none
    grad_clip: float = 1.0  # max global gradient norm; 0 turns clipping off
    # muP's multipliers (TP V Fig. 4), for muP and SP alike. attn_mult multiplies the attention
    # scale the model has at base width (the architecture's own), so 1 is the default everywhere.
    output_mult: float = 1.0
    attn_mult: float = 1.0
    input_mult: float = 1.0
    mask_prob: float = 0.15  # masked LMs: fraction of tokens masked (BERT's 15%)
    # a config.json to build instead of the built-in family (`mutransformers tune`'s proxy): its dims,
    # depth and vocabulary; arch and width then only describe it
    model: str = ""
    base_depth: int = 0  # completep / depth_mup: the base model's layer count (0: muP in width only)
    # upstream config fields set for every run, "field=JSON;field=JSON" sorted by field (sweep --set); a string
    # so that records stay hashable and one results file holds one setting (sweep-report checks it)
    config_set: str = ""

    def key(self) -> str:
        """Every field; a field added after the first results files only when it is not its default,
        so those files still resume."""
        return "|".join(f"{k}={v}" for k, v in asdict(self).items()
                        if not (k in _ADDED_LATER and v == RunConfig.__dataclass_fields__[k].default))


MULTIPLIERS = ("output_mult", "attn_mult", "input_mult")
_ADDED_LATER = (*MULTIPLIERS, "mask_prob", "model", "base_depth", "config_set")
DEPTH_ALPHA = {"completep": 1.0, "depth_mup": 0.5}  # muP with a base depth: the residual exponent alpha
PARAMS = ("mup", "sp", *DEPTH_ALPHA)
HPARAMS = ("log2_lr", "init_std", *MULTIPLIERS)  # what a sweep can vary (TP V Fig. 4)
MUP_INIT_FIELDS = ("readout_zero_init", "query_zero_init")  # muP config fields --set may give (TP V, App. D.2)


def format_config_set(settings: dict) -> str:
    """{"tie_word_embeddings": False} -> "tie_word_embeddings=false" (RunConfig.config_set)."""
    return ";".join(f"{name}={json.dumps(settings[name])}" for name in sorted(settings))


def config_settings(run: RunConfig) -> dict:
    """The upstream config fields ``run.config_set`` sets, checked against the architecture's config class.

    Fields the sweep sets itself (widths, depth, vocabulary, init std, muP's fields) are refused with the
    option that sets them: a second way to set one would make two records of one model look different."""
    if not run.config_set:
        return {}
    settings = dict((name, json.loads(value)) for name, _, value in
                    (item.partition("=") for item in run.config_set.split(";")))
    spec = families.ARCHS[run.arch]
    swept = {**{name: "--widths" for name in spec.base(run.base_width)}, spec.layers: "--depths",
             "vocab_size": "--vocab-size", "mup_base": "--widths / --depths", "mup_base_shapes": "--widths",
             "depth_alpha": "--params completep / depth_mup",
             **{name: f"--grid {name}=..." for name in MULTIPLIERS}}
    if spec.init_std_field:
        swept[spec.init_std_field] = "--init-std or --grid init_std=..."
    defaults = spec.sp_class.config_class()
    for name in settings:
        if name in swept:
            raise MuPError(f"--set {name}: the sweep sets {name} itself; use {swept[name]}.")
        if name in MUP_INIT_FIELDS:
            if run.param == "sp":
                raise MuPError(f"--set {name}: a muP init option, and SP runs build upstream's model, which has "
                               "none; sweep it with --params mup (or completep / depth_mup).")
            continue
        if not hasattr(defaults, name):
            raise MuPError(f"--set {name}: {type(defaults).__name__} has no field {name!r}; give a field of the "
                           f"{run.arch} config (e.g. one its config.json lists).")
    return settings


def base_init_std(arch: str, base_width: int, tuned_std: float = 0.02, tuned_width: int = 768) -> float:
    """The init std a base model of ``base_width`` gets when 0.02 at width 768 is scaled as fan_in^-1/2
    (T5: 0.02, unused, since its init is fan-in scaled already)."""
    if families.ARCHS[arch].init_std_field is None:
        return tuned_std
    return round(tuned_std * math.sqrt(tuned_width / base_width), 6)


def width_init_std(run: RunConfig) -> float:
    """``initializer_range`` at the run's width: muP's base std as is (muP rescales it per parameter),
    SP's scaled by the fan-in rule, sigma * sqrt(base_width / width)."""
    if run.param != "sp":
        return run.init_std
    return run.init_std * math.sqrt(run.base_width / run.width)


def build_model(run: RunConfig):
    """muP: our model at its width, based on ``base_width``. SP: transformers' model; with a multiplier
    that is not 1, our model as its own base (width_mult 1: muP's rules are then the identity and the
    model computes what transformers' does, tests/test_models.py), so the multiplier applies to SP too."""
    check_depth_settings(run)
    if run.model:
        return _build_from_config(run)
    overrides = {"vocab_size": run.vocab_size}
    init_std_field = families.ARCHS[run.arch].init_std_field  # None: T5, whose init is fan-in scaled already
    if init_std_field:
        overrides[init_std_field] = width_init_std(run)
    overrides[families.ARCHS[run.arch].layers] = run.n_layer
    overrides.update(config_settings(run))
    if run.param in DEPTH_ALPHA:
        return families.build(run.arch, run.width, "mup", run.base_width, attn_factor=run.attn_mult,
                              base_depth=run.base_depth, depth_alpha=DEPTH_ALPHA[run.param],
                              output_mult=run.output_mult, input_mult=run.input_mult, **overrides)
    if run.param == "mup":
        return families.build(run.arch, run.width, "mup", run.base_width, attn_factor=run.attn_mult,
                              output_mult=run.output_mult, input_mult=run.input_mult, **overrides)
    if all(getattr(run, name) == 1.0 for name in MULTIPLIERS):
        return families.build(run.arch, run.width, "sp", **overrides)
    return families.build(run.arch, run.width, "mup", base_width=run.width, attn_factor=run.attn_mult,
                          output_mult=run.output_mult, input_mult=run.input_mult, **overrides)


def check_depth_settings(run: RunConfig):
    if run.param not in PARAMS:
        raise MuPError(f"param={run.param!r}: use one of {PARAMS}.")
    if run.param in DEPTH_ALPHA and run.base_depth < 1:
        raise MuPError(f"param={run.param!r} is muP with a base depth: give base_depth (the base model's layer "
                       "count; a sweep over --depths takes the smallest).")
    if run.param not in DEPTH_ALPHA and run.base_depth:
        raise MuPError(f"base_depth={run.base_depth} needs param 'completep' or 'depth_mup'; {run.param!r} has no "
                       "depth rules.")
    if run.param in DEPTH_ALPHA and run.model:
        raise MuPError("A tune proxy (model=...) takes its base depth from its own config's mup_base; give "
                       "param 'mup' there.")


def _build_from_config(run: RunConfig):
    """The model ``run.model`` describes (a muP config.json), with the run's HPs. A tune proxy is its
    own base (width_mult 1), where muP computes what SP computes; an SP run makes any model its own base
    and scales the init std by fan-in (``width_init_std``)."""
    from .. import targets
    config = targets.load_target(run.model)
    if run.param == "sp":  # standard parametrization: the model as its own base (width_mult 1), as SP runs are
        config.mup_base, config.mup_base_shapes = None, None
    init_std_field = families.ARCHS[run.arch].init_std_field
    if init_std_field:
        setattr(config, init_std_field, width_init_std(run))
    config.attn_mult = run.attn_mult * config.base_attn_mult() if run.attn_mult != 1.0 else config.attn_mult
    config.output_mult, config.input_mult = run.output_mult, run.input_mult
    for name, value in config_settings(run).items():
        setattr(config, name, value)
    config.validate_mup()
    return targets.training_class(config)(config)


def make_optimizer(model, run: RunConfig):
    lr = 2.0 ** run.log2_lr
    if run.param != "sp":
        return MuAdamW(model.parameters(), lr=lr, weight_decay=run.weight_decay)
    return torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=run.weight_decay)


def _on(batch: dict, device) -> dict:
    return {name: tensor.to(device) for name, tensor in batch.items()}


def objective(arch: str) -> str:
    spec = families.ARCHS[arch]
    return "masked" if spec.masked else "prefix" if spec.seq2seq else "causal"


def _batches(ids, run: RunConfig, steps: int, seed: int, mask_id: int = data.MASK_ID):
    return data.batches(ids, steps, run.batch_size, run.seq_len, objective(run.arch), seed, run.mask_prob, mask_id)


@torch.no_grad()
def evaluate(model, ids, run: RunConfig, device="cpu", mask_id: int = data.MASK_ID) -> float:
    model.eval()
    losses = [model(**_on(b, device)).loss.item()
              for b in _batches(ids, run, run.eval_batches, seed=10_000, mask_id=mask_id)]
    model.train()
    return sum(losses) / len(losses)


def train_run(run: RunConfig, data_dir, threads: int = 1, device=None, edit_model=None, edit_optimizer=None) -> dict:
    """Trains one run and returns its record (config, metrics, wall time). Never raises on divergence.

    ``edit_model(model, run)`` / ``edit_optimizer(model, optimizer)``: an ablation's change to what the run
    builds (experiments/depth_ablation/depth_ablation_gpt2.py, experiments/bert_ablation/optimizer_ablation.py); the record's key stays the run's.

    ``data_dir``: a WikiText folder, or a ``Corpus`` (a user's text and tokenizer).

    ``device``: default the GPU when there is one, else the CPU. The batches are drawn on the CPU
    either way, so a run sees the same data on both."""
    torch.set_num_threads(threads)
    device = torch.device(device or ("cuda" if torch.cuda.is_available() else "cpu"))
    start = time.perf_counter()
    corpus = as_corpus(data_dir, run.vocab_size)
    train_ids, eval_ids = corpus.token_ids()
    mask_id = corpus.mask_id
    torch.manual_seed(run.seed)
    model = build_model(run)
    if edit_model:
        edit_model(model, run)
    model = model.to(device)
    model.train()
    optimizer = make_optimizer(model, run)
    if edit_optimizer:
        edit_optimizer(model, optimizer)
    schedule = get_cosine_schedule_with_warmup(optimizer, int(run.warmup * run.steps), run.steps)
    recent, diverged, step = [], False, 0
    for step, batch in enumerate(_batches(train_ids, run, run.steps, seed=run.seed, mask_id=mask_id), start=1):
        loss = model(**_on(batch, device)).loss
        if not torch.isfinite(loss):
            diverged = True
            break
        loss.backward()
        if run.grad_clip:
            torch.nn.utils.clip_grad_norm_(model.parameters(), run.grad_clip)
        optimizer.step()
        schedule.step()
        optimizer.zero_grad(set_to_none=True)
        recent = (recent + [loss.item()])[-20:]
    eval_loss = math.nan if diverged else evaluate(model, eval_ids, run, device, mask_id)
    if not math.isfinite(eval_loss):
        diverged = True
    return {**asdict(run), "key": run.key(), "train_loss": sum(recent) / len(recent) if recent else math.nan,
            "eval_loss": eval_loss, "unigram_loss": corpus.unigram_loss(),
            "diverged": diverged, "steps_done": step,
            "wall_s": round(time.perf_counter() - start, 2), "device": device.type, **provenance(device)}
