"""Optimizer-level ablations of muP's per-parameter learning rates (issue 13), at a sweep's own runs.

First asked: why does wide muP BERT not beat SP?

In the BERT LR experiment (experiments/lr_transfer_bert/) muP's optimum holds at log2 LR -9 but its best loss does not
fall with width, and at width 512 SP (5.658 at 2^-12) beats muP (5.840 at 2^-9). muP at 2^-9 trains its hidden
weights at 2^-9 / width_mult = 2^-12 there, SP's best; the two still differ in the LR of every width-independent
parameter (muP 2^-9, SP 2^-12), in the init of the embeddings, and in the attention (1/d) and readout
(1/width_mult) multipliers. The multipliers are swept with ``mutransformers sweep --grid``; what no field sets is
tried here, on muP at the sweep's own runs (same keys, same numbers, plus a variant name). Then asked of Llama:
does its input multiplier's optimum, which falls with width (experiments/hp_transfer_llama_input_mult/), hold once the
embeddings follow u-muP's rule (``--arch llama --grid input_mult=...``)?

* ``baseline``: MuAdamW as the sweeps build it;
* ``embedding_lr_div_width_mult``: every embedding table (BERT's word, position and token-type ones; tied ones
  are the readout as well) at lr / width_mult;
* ``embedding_lr_div_sqrt_width_mult``: the embeddings at lr / sqrt(width_mult), the rule u-muP proposes (Blake et
  al. 2024, arXiv 2407.17465, "A new embedding LR rule": muP's width-independent embedding LR transferred poorly
  for Llama there; Hayou & Liu 2025, arXiv 2506.15025, derive a similar sqrt(width) ratio for large vocabularies);
* ``vector_lr_div_width_mult``: every parameter that is not a hidden weight (embeddings, LayerNorms, biases) at
  lr / width_mult, so that every LR equals SP's at 2^-12 and only init and multipliers differ from SP.

At the base width (64) every variant is the baseline (width_mult 1), so only wider runs are worth training.
Resumable: finished runs are appended to the JSONL file and skipped when run again. Its machinery (protocol,
variant records, command line, resume, pool and report) is experiments/ablation.py, which the model-edit
ablations share.

    python experiments/bert_ablation/optimizer_ablation.py --data ../shared/data/wikitext-2 --widths 512 \
        --out experiments/bert_ablation/optimizer.jsonl
    python experiments/bert_ablation/optimizer_ablation.py --arch llama --data ../shared/data/wikitext-2 --widths 128 256 \
        --log2-lrs -6 --seeds 0 1 --grid input_mult=1,2,4,8,16,32 --variants embedding_lr_div_sqrt_width_mult \
        --out experiments/hp_transfer_llama_input_mult_umup/results.jsonl --report experiments/hp_transfer_llama_input_mult_umup/report.png \
        --with experiments/hp_transfer_llama/results.jsonl experiments/hp_transfer_llama_input_mult/results.jsonl
"""
import argparse
import sys
from pathlib import Path

from torch import nn

from mutransformers.sweep import Sweep, train

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # experiments/: the shared ablation machinery
from ablation import grid_values, labelled, print_report, protocol, train_jobs, unfinished  # noqa: E402


def _scaled(select, power: float = 1.0):
    """An edit of the optimizer: the parameters ``select(is_embedding, infshape)`` picks at lr / width_mult**power."""
    def edit(model, optimizer):
        embeddings = {id(m.weight) for m in model.modules() if isinstance(m, nn.Embedding)}
        width_mult = max(p.infshape.width_mult() for p in model.parameters())  # every width here scales alike

        def picks(p):
            return select(id(p) in embeddings, p.infshape)
        for group in list(optimizer.param_groups):
            picked = [p for p in group["params"] if picks(p)]
            if not picked:
                continue
            group["params"] = [p for p in group["params"] if not picks(p)]
            optimizer.add_param_group({**{k: v for k, v in group.items() if k != "params"},
                                       "params": picked, "lr": group["lr"] / width_mult ** power})
        optimizer.param_groups[:] = [g for g in optimizer.param_groups if g["params"]]
    return edit


EDITS = {
    "baseline": None,
    "embedding_lr_div_width_mult": _scaled(lambda is_embedding, shape: is_embedding),
    "embedding_lr_div_sqrt_width_mult": _scaled(lambda is_embedding, shape: is_embedding, power=0.5),  # u-muP's rule
    # every vector-like parameter; hidden weights are at lr / width_mult already
    "vector_lr_div_width_mult": _scaled(lambda is_embedding, shape: shape.ninf() < 2),
}


def runs(arch, widths, log2_lrs, seeds, hparams=None) -> list:
    """(variant, run) pairs above the base width 64, where every variant is the baseline (width_mult 1)."""
    sweep = Sweep(archs=[arch], params=["mup"], widths=[64, *widths], log2_lrs=log2_lrs, seeds=seeds,
                  run_fields=protocol(arch), hparams=hparams or {})
    return [(variant, run) for variant in EDITS for run in sweep.runs() if run.width in widths]


def _train(job):
    (variant, run), data = job
    return labelled(variant, train.train_run(run, data, edit_optimizer=EDITS[variant]))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", required=True, help="folder with test.txt and valid.txt")
    parser.add_argument("--arch", default="bert",
                        help="a built-in architecture (BERT's protocol for bert, else GPT-2's)")
    parser.add_argument("--grid", nargs="*", default=[], metavar="HP=V1,V2", help="e.g. input_mult=1,2,4")
    parser.add_argument("--out", default="experiments/bert_ablation/optimizer.jsonl")
    parser.add_argument("--widths", type=int, nargs="+", default=[512], help="above the base width 64")
    parser.add_argument("--log2-lrs", type=float, nargs="+", default=[-9.0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0])
    parser.add_argument("--variants", nargs="+", default=list(EDITS), choices=list(EDITS))
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--report", type=Path, help="figure per variant (its name gains the variant), JSON beside it")
    parser.add_argument("--with", dest="others", nargs="*", default=[], help="results files holding the base width")
    args = parser.parse_args()
    jobs = runs(args.arch, args.widths, args.log2_lrs, args.seeds, grid_values(args.grid))
    todo = unfinished([job for job in jobs if job[0] in args.variants], args.out)
    train_jobs(_train, todo, args.data, args.out, args.workers)
    if args.report:
        print_report(args.out, args.others, args.report)


if __name__ == "__main__":
    main()
