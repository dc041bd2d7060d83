"""HF ``Trainer`` with muP's optimizer (needs ``accelerate``: ``pip install 'mutransformers[train]'``).

``MuTrainer`` builds ``MuAdamW`` (hidden weights: lr / width_mult) from the ``TrainingArguments``'
learning rate, betas, epsilon and weight decay, with decay/no-decay groups (no decay on biases and
norms) and an explicit weight-decay policy:

* ``"coupled"`` (mup's default): hidden weights' decay is multiplied by width_mult, so AdamW's
  per-step shrink lr * wd is the same at every width;
* ``"independent"``: the decay coefficient is the same for every group, so the shrink lr * wd of
  hidden weights falls as 1/width_mult.

``TrainingArguments(optim=...)``: ``adamw_torch`` / ``adamw_torch_fused`` (the default) give ``MuAdamW``,
``sgd`` gives mup's ``MuSGD`` (momentum, dampening, nesterov from ``optim_args``); any other optimizer
has no muP counterpart here and is refused rather than run in standard parametrization.

Trainer's schedulers are ``LambdaLR``s: they multiply each group's own LR, so muP's ratios hold.
``Trainer(optimizers=(MuAdamW(...), None))`` also works; ``optimizer_cls_and_kwargs=(MuAdamW, ...)``
does not (Trainer calls it as a factory), hence this class.
"""
from transformers import Trainer

from .adapters import attach_infshapes, is_peft_model
from .core.errors import MuPError
from .optim import MuAdamW, MuSGD

POLICIES = ("coupled", "independent")
ADAMW_OPTIMS = ("adamw_torch", "adamw_torch_fused")


def _groups(model, weight_decay: float) -> list:
    params = [p for p in model.parameters() if p.requires_grad]
    groups = [{"params": [p for p in params if p.dim() >= 2], "weight_decay": weight_decay},
              {"params": [p for p in params if p.dim() < 2], "weight_decay": 0.0}]
    return [g for g in groups if g["params"]]


def mup_adamw(model, lr: float, weight_decay: float = 0.0, policy: str = "coupled", **adam_kwargs):
    """MuAdamW over decay (matrices) and no-decay (biases, norms) groups, with a weight-decay policy."""
    if policy not in POLICIES:
        raise MuPError(f"weight-decay policy {policy!r}: use one of {POLICIES}.")
    optimizer = MuAdamW(_groups(model, weight_decay), lr=lr, **adam_kwargs)
    if policy == "independent":
        for group in optimizer.param_groups:
            if group["weight_decay"]:
                group["weight_decay"] = weight_decay
    return optimizer


class MuTrainer(Trainer):
    def __init__(self, *args, weight_decay_policy: str = "coupled", **kwargs):
        self.weight_decay_policy = weight_decay_policy
        super().__init__(*args, **kwargs)

    def create_optimizer(self, *args, **kwargs):
        ### muP: per-group learning rates from each parameter's infshape
        if self.optimizer is None:
            self.optimizer = self._mup_optimizer()
        return self.optimizer

    def _mup_optimizer(self):
        args = self.args
        if is_peft_model(self.model):  # LoRA's A and B get their muP infshapes (mutransformers.adapters)
            attach_infshapes(self.model)
        name = str(getattr(args.optim, "value", args.optim))
        if name in ADAMW_OPTIMS:
            return mup_adamw(self.model, lr=args.learning_rate, weight_decay=args.weight_decay,
                             policy=self.weight_decay_policy, betas=(args.adam_beta1, args.adam_beta2),
                             eps=args.adam_epsilon)
        if name == "sgd":
            if self.weight_decay_policy != "coupled":
                raise MuPError("weight_decay_policy='independent' is defined for AdamW; with optim='sgd' mup's "
                               "MuSGD applies the weight decay. Leave the policy at 'coupled'.")
            extra = _sgd_args(args.optim_args)
            return MuSGD(_groups(self.model, args.weight_decay), lr=args.learning_rate, **extra)
        raise MuPError(
            f"TrainingArguments(optim={name!r}) has no muP counterpart in mutransformers: muP needs each "
            "parameter's learning rate from its infshape. Use optim='adamw_torch' (MuAdamW) or optim='sgd' "
            "(MuSGD), or pass your own muP optimizer: MuTrainer(..., optimizers=(mutransformers.MuAdamW(...), None)).")


def _sgd_args(optim_args) -> dict:
    """momentum, dampening, nesterov from ``TrainingArguments.optim_args`` ("momentum=0.9,nesterov=true")."""
    pairs = dict(item.split("=", 1) for item in (optim_args or "").replace(" ", "").split(",") if item)
    extra = {key: float(pairs[key]) for key in ("momentum", "dampening") if key in pairs}
    if "nesterov" in pairs:
        extra["nesterov"] = pairs["nesterov"].lower() in ("true", "1", "yes")
    return extra
