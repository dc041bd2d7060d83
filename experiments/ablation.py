"""What the research ablations share: an ablation trains a sweep's own runs (same keys, same numbers, plus a
variant's name) with an edit of the model or the optimizer, resumes from its results file, and reports each
variant as `mutransformers sweep-report` does. The scripts live with their experiments (experiments/<id>/*.py) and
import this module from the folder above them.
"""
import math
import argparse
import json
import multiprocessing
from pathlib import Path

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


def labelled(variant: str, record: dict) -> dict:
    """A sweep run's record as an ablation's: the variant's name added to the record and its key."""
    return {**record, "variant": variant, "key": f"variant={variant}|{record['key']}"}


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


# GPT-2 model edits, shared by the depth ablation and the input-multiplier ablation

def no_positions(model, run):
    model.transformer.wpe.weight.data.zero_()
    model.transformer.wpe.weight.requires_grad_(False)


def unscaled_branch_init(model, run):
    base_layers = run.base_depth or model.config.n_layer  # muP in width only: the base has the model's depth
    for block in model.transformer.h:  # undo upstream's c_proj std / sqrt(2 L_base)
        for proj in (block.attn.c_proj, block.mlp.c_proj):
            proj.weight.data.mul_(math.sqrt(2 * base_layers))
