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
Resumable: finished runs are appended to the JSONL file and skipped when run again. The model-edit ablations
(bert_block_ablation.py, llama_attention_ablation.py) share this module's machinery: protocol, variant records,
command line, resume, pool and report.

    python benchmarks/optimizer_ablation.py --data ../shared/data/wikitext-2 --widths 512 \
        --out experiments/bert_ablation/optimizer.jsonl
    python benchmarks/optimizer_ablation.py --arch llama --data ../shared/data/wikitext-2 --widths 128 256 \
        --log2-lrs -6 --seeds 0 1 --grid input_mult=1,2,4,8,16,32 --variants embedding_lr_div_sqrt_width_mult \
        --out experiments/hp_transfer_llama_input_mult_umup/results.jsonl --report experiments/hp_transfer_llama_input_mult_umup/report.png \
        --with experiments/hp_transfer_llama/results.jsonl experiments/hp_transfer_llama_input_mult/results.jsonl
"""
import argparse
import json
import multiprocessing
from pathlib import Path

from torch import nn
from tqdm import tqdm

from mutransformers import sweep
from mutransformers.cli import config_value
from mutransformers.sweep import Sweep, results, train
from mutransformers.sweep.corpus import as_corpus
from mutransformers.sweep.train import RunConfig

# the LR experiments' protocols: BERT's (experiments/lr_transfer_bert/), and GPT-2's, which the causal LMs share
PROTOCOLS = {"bert": {"steps": 600, "batch_size": 64, "seq_len": 16, "warmup": 0.1, "init_std": 0.069282},
             "causal": {"steps": 300, "batch_size": 16, "seq_len": 64}}


def protocol(arch: str) -> dict:
    """The LR experiment's settings for ``arch``: BERT's for bert, else the causal LMs' (GPT-2's)."""
    return PROTOCOLS["bert" if arch == "bert" else "causal"]


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


def labelled(variant: str, record: dict) -> dict:
    """A sweep run's record as an ablation's: the variant's name added to the record and its key."""
    return {**record, "variant": variant, "key": f"variant={variant}|{record['key']}"}


def _train(job):
    (variant, run), data = job
    return labelled(variant, train.train_run(run, data, edit_optimizer=EDITS[variant]))


def edited_runs(arch: str, run_fields: dict, variants, widths, log2_lrs, seeds, hparams, overrides=None) -> list:
    """(variant, run) pairs of a model-edit ablation on muP ``arch``, the widest first (so a partial session
    finishes whole comparisons); the runs are the sweep's own (same keys, plus the variant's name). ``overrides``
    replace protocol fields (``--steps``, ``--set``'s ``config_set``), as the sweep's options would."""
    sweep = Sweep(archs=[arch], params=["mup"], widths=widths, log2_lrs=log2_lrs, seeds=seeds,
                  run_fields={**run_fields, **(overrides or {})}, hparams=hparams)
    ordered = sorted(sweep.runs(), key=lambda run: -run.width)
    return [(variant, run) for run in ordered for variant in variants]


def model_edit(edits: dict, variant: str):
    """The model edit ``variant`` names in ``edits`` (the model-edit ablations); ``a+b`` applies a, then b."""
    chosen = [edits[name] for name in variant.split("+")]

    def edit(model, run):
        for one in chosen:
            one(model, run)
    return edit


def variant_checker(edits: dict):
    """An argparse type for a variant of ``edits`` (several joined by '+') that names a misspelt edit."""
    def check(name: str) -> str:
        unknown = [part for part in name.split("+") if part not in edits]
        if unknown:
            raise argparse.ArgumentTypeError(f"unknown edit {unknown}; the edits are {list(edits)}, joined by '+'")
        return name
    return check


def train_edited(edits: dict, job) -> dict:
    """Trains one ``((variant, run), data)`` job with the model edit ``variant`` names in ``edits``."""
    (variant, run), data = job
    return labelled(variant, train.train_run(run, data, edit_model=model_edit(edits, variant)))


def model_edit_parser(description: str, edits: dict, *, widths, log2_lrs, grid_example, out):
    """The command line of a model-edit ablation (bert_block_ablation, llama_attention_ablation)."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--data", required=True, help="folder with test.txt and valid.txt")
    parser.add_argument("--variants", nargs="+", type=variant_checker(edits), default=list(edits),
                        help=f"edits {list(edits)}, or several joined by '+' (applied in that order)")
    parser.add_argument("--grid", nargs="*", default=[], metavar="HP=V1,V2", help=f"e.g. {grid_example}")
    parser.add_argument("--widths", type=int, nargs="+", default=widths)
    parser.add_argument("--log2-lrs", type=float, nargs="+", default=log2_lrs)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1])
    parser.add_argument("--out", default=out)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--report", type=Path, help="figure per variant (its name gains the variant), JSON beside it")
    parser.add_argument("--steps", type=int, help="optimizer steps (unset: the ablation's protocol)")
    parser.add_argument("--set", nargs="+", type=config_value, default=[], metavar="FIELD=VALUE",
                        help="upstream config fields for every run, as sweep --set (e.g. tie_word_embeddings=true)")
    return parser


def protocol_overrides(args) -> dict:
    """The run fields ``model_edit_parser``'s ``--steps`` and ``--set`` replace (none when not given)."""
    overrides = {"steps": args.steps} if args.steps else {}
    if args.set:
        overrides["config_set"] = sweep.format_config_set(dict(args.set))
    return overrides


def grid_values(grid: list) -> dict:
    """``["output_mult=1,2"]`` -> ``{"output_mult": [1.0, 2.0]}`` (the ablations' --grid)."""
    return {name: [float(v) for v in values.split(",")] for name, _, values in (g.partition("=") for g in grid)}


def unfinished(jobs: list, out) -> list:
    """The ``(variant, run)`` jobs whose record is not in ``out`` yet."""
    done = results.finished_keys(out)
    return [job for job in jobs if f"variant={job[0]}|{job[1].key()}" not in done]


def report(out, others, figure: Path) -> dict:
    """Each variant's runs with the base width's from ``others`` (the same sweep without the variant, where every
    variant is the baseline), analysed and drawn as ``sweep-report`` does: JSON beside the figure, one per variant."""
    records = results.load(out)
    summaries = {}
    for variant in sorted({r["variant"] for r in records}):
        runs = [{k: v for k, v in r.items() if k != "variant"} for r in records if r["variant"] == variant]
        fields = {k for r in runs for k in r} - {"width", "seed", "key", *train.HPARAMS}
        like = {k: runs[0].get(k) for k in fields if k in RunConfig.__dataclass_fields__}
        grid = {(hp, r[hp]) for r in runs for hp in train.HPARAMS}
        base = [r for path in others for r in results.load(path) if r["width"] == 64
                and all(r.get(k, RunConfig.__dataclass_fields__[k].default) == v for k, v in like.items())
                and all((hp, r[hp]) in grid for hp in train.HPARAMS)]
        path = figure.with_name(f"{figure.stem}_{variant}{figure.suffix}")
        sweep.plot_sweep(base + runs, path, title=f"{runs[0]['arch']}, {variant}")
        summaries[variant] = sweep.analyze(base + runs)
        path.with_suffix(".json").write_text(json.dumps(summaries[variant], indent=1) + "\n")
    return summaries


def train_jobs(train_one, todo, data, out, workers: int):
    """Trains ``(variant, run)`` jobs with ``train_one((job, data))`` on a pool, appending each record to ``out``
    as it finishes (a killed ablation resumes from there)."""
    as_corpus(data, RunConfig.vocab_size).token_ids()  # tokenize once here: the workers read the cache
    with multiprocessing.get_context("fork").Pool(workers) as pool:
        for record in tqdm(pool.imap_unordered(train_one, [(job, data) for job in todo]), total=len(todo)):
            results.append(out, record)
            print(f"{record['key']}: {record['eval_loss']:.4f}", flush=True)
    print(f"{len(todo)} runs trained; results in {out}")


def run_edit_ablation(args, runs, train_one):
    """A model-edit ablation's main (llama_attention_ablation, gpt2_input_mult_ablation): trains the runs of
    ``model_edit_parser``'s ``args`` not yet in ``--out``, then reports each variant if asked."""
    jobs = runs(args.variants, args.widths, args.log2_lrs, args.seeds, grid_values(args.grid),
                protocol_overrides(args))
    todo = unfinished(jobs, args.out)
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    train_jobs(train_one, todo, args.data, args.out, args.workers)
    if args.report:
        print_report(args.out, [], args.report)


def print_report(out, others, figure: Path):
    for variant, summary in report(out, others, figure).items():
        for name, s in summary.items():
            print(f"{variant}: {name} optimum (log2) per width "
                  f"{[r['best_log2'] for r in s['widths']]}, shift {s['optimum_shift_steps']} grid steps")


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
