"""Train the target with the hyperparameters ``mutransformers tune`` found on its proxy.

``mutransformers train --config tuned/ --data my_text/ --out trained/`` reads ``tuned/hparams.json``
and ``tuned/target/config.json`` (the target, its muP base = the proxy, the tuned init and
multipliers), and trains with ``MuTrainer``: MuAdamW at the tuned LR, the proxy's schedule family
(linear warmup over the same fraction of the steps, cosine decay to 0), gradient clipping and batch
shape, on windows of the same text drawn as the proxy's were. Checkpoints every ``save_steps``;
running the same command again resumes from the newest checkpoint. ``train_summary.json`` records
the hparams file it used (path and SHA-256) and the held-out loss.
"""
import hashlib
import json
import time
from dataclasses import replace
from pathlib import Path

import torch
from torch.utils.data import IterableDataset

from .core.errors import MuPError
from .sweep import data
from .sweep.corpus import Corpus
from .sweep.train import RunConfig, evaluate, objective
from . import targets
from .tune import TRAINING_FIELDS


class _Windows(IterableDataset):
    """The training windows of ``data.batches``, one example at a time, in order (Trainer re-batches
    them to the same batches; on resume it skips the ones already seen)."""

    def __init__(self, ids, run: RunConfig, mask_id: int):
        self.ids, self.run, self.mask_id = ids, run, mask_id

    def __iter__(self):
        run = self.run
        for batch in data.batches(self.ids, run.steps, run.batch_size, run.seq_len, objective(run.arch), run.seed,
                                  run.mask_prob, self.mask_id):
            for i in range(run.batch_size):
                yield {name: tensor[i] for name, tensor in batch.items()}


def load_tuned(folder) -> tuple[dict, object, Path]:
    """(hparams record, tuned target config, hparams path) from a folder ``tune`` wrote."""
    folder = Path(folder)
    path = folder / "hparams.json"
    if not path.is_file():
        raise MuPError(f"--config {folder}: no hparams.json there. Give the folder `mutransformers tune --out` wrote.")
    record = json.loads(path.read_text())
    config = targets.load_target(str(folder / record["target"]["config"]))
    return record, config, path


def train_target(tuned_folder, corpus: Corpus, out, steps: int | None = None, save_steps: int = 500,
                 seed: int = 0, device: str | None = None) -> dict:
    from transformers import TrainingArguments

    from .trainer import MuTrainer
    record, config, hparams_path = load_tuned(tuned_folder)
    hp, training = record["hparams"], record["training"]
    corpus.check_fits(config.vocab_size, masked=objective(config.model_type[2:]) == "masked")
    run = RunConfig(arch=config.model_type[2:], param="mup", width=targets.width_of(config),
                    base_width=targets.width_of(config), log2_lr=hp["log2_lr"], seed=seed,
                    **{k: training[k] for k in TRAINING_FIELDS if k in training})
    run = replace(run, steps=steps or run.steps)
    train_ids, eval_ids = corpus.token_ids()
    mask_id = corpus.mask_id
    out = Path(out)
    torch.manual_seed(seed)
    model = targets.training_class(config)(config)
    args = TrainingArguments(
        output_dir=str(out), max_steps=run.steps, per_device_train_batch_size=run.batch_size,
        learning_rate=2.0 ** run.log2_lr, lr_scheduler_type="cosine", warmup_steps=int(run.warmup * run.steps),
        max_grad_norm=run.grad_clip or 1e9, weight_decay=run.weight_decay, save_steps=save_steps,
        logging_steps=max(1, min(50, run.steps // 10)), report_to=[], seed=seed, data_seed=seed,
        use_cpu=device == "cpu", dataloader_num_workers=0)
    trainer = MuTrainer(model=model, args=args, train_dataset=_Windows(train_ids, run, mask_id))
    checkpoints = sorted(out.glob("checkpoint-*"), key=lambda p: int(p.name.split("-")[1]))
    start = time.perf_counter()
    trainer.train(resume_from_checkpoint=str(checkpoints[-1]) if checkpoints else None)
    trainer.save_model(str(out))
    eval_loss = evaluate(model, eval_ids, run, next(model.parameters()).device, mask_id)
    summary = {"hparams_file": str(hparams_path.resolve()),
               "hparams_sha256": hashlib.sha256(hparams_path.read_bytes()).hexdigest(),
               "hparams": hp, "steps": run.steps, "batch_size": run.batch_size, "seq_len": run.seq_len,
               "resumed_from": checkpoints[-1].name if checkpoints else None,
               "eval_loss": eval_loss, "unigram_loss": corpus.unigram_loss(),
               "wall_s": round(time.perf_counter() - start, 1)}
    (out / "train_summary.json").write_text(json.dumps(summary, indent=1))
    return summary
