"""HF ``Trainer`` with muP's optimizer (needs ``accelerate``: ``pip install 'mutransformers[train]'``).

``MuTrainer`` builds ``MuAdamW`` (hidden weights: lr / width_mult) from the ``TrainingArguments``'
learning rate, betas, epsilon and weight decay, with decay/no-decay groups (no decay on biases and
norms) and an explicit weight-decay policy:

* ``"coupled"`` (mup's default): hidden weights' decay is multiplied by width_mult, so AdamW's
  per-step shrink lr * wd is the same at every width;
* ``"independent"``: the decay coefficient is the same for every group, so the shrink lr * wd of
  hidden weights falls as 1/width_mult.

Trainer's schedulers are ``LambdaLR``s: they multiply each group's own LR, so muP's ratios hold.
``Trainer(optimizers=(MuAdamW(...), None))`` also works; ``optimizer_cls_and_kwargs=(MuAdamW, ...)``
does not (Trainer calls it as a factory), hence this class.
"""
from transformers import Trainer

from .core.errors import MuPError
from .optim import MuAdamW

POLICIES = ("coupled", "independent")


def mup_adamw(model, lr: float, weight_decay: float = 0.0, policy: str = "coupled", **adam_kwargs):
    """MuAdamW over decay (matrices) and no-decay (biases, norms) groups, with a weight-decay policy."""
    if policy not in POLICIES:
        raise MuPError(f"weight-decay policy {policy!r}: use one of {POLICIES}.")
    params = [p for p in model.parameters() if p.requires_grad]
    groups = [{"params": [p for p in params if p.dim() >= 2], "weight_decay": weight_decay},
              {"params": [p for p in params if p.dim() < 2], "weight_decay": 0.0}]
    optimizer = MuAdamW([g for g in groups if g["params"]], lr=lr, **adam_kwargs)
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
            self.optimizer = mup_adamw(self.model, lr=self.args.learning_rate, weight_decay=self.args.weight_decay,
                                       policy=self.weight_decay_policy,
                                       betas=(self.args.adam_beta1, self.args.adam_beta2), eps=self.args.adam_epsilon)
        return self.optimizer
