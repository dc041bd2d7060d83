"""``mutransformers`` command line: ``mutransformers coord-check --arch gpt2 --out coord_gpt2.png``."""
import argparse
import json
import sys
import time
from pathlib import Path

from . import coord_check as cc
from . import sweep as sw
from . import upstream_diff
from .core.errors import MuPError


def _coord_check_plan(args):
    """(axis, sizes, variants, lr): across width by default, across depth at one width with --depths."""
    if not args.depths:
        variants = args.variants or ["sp", "mup"]
        bad = [v for v in variants if v not in cc.VARIANTS]
        if bad:
            raise MuPError(f"--variants {' '.join(bad)}: across width the variants are {', '.join(cc.VARIANTS)} "
                           f"({', '.join(sorted(set(cc.DEPTH_VARIANTS) - {'mup'}))} need --depths).")
        return "width", args.widths or [64, 128, 256, 512, 1024], variants, args.lr or 1e-2
    if args.widths and len(args.widths) != 1:
        raise MuPError("--depths checks one width: give a single --widths value (default 128).")
    if args.optimizer != "adam":
        raise MuPError("--depths: CompleteP's optimizer rules are derived for Adam; use --optimizer adam.")
    variants = args.variants or ["mup", "completep"]
    bad = [v for v in variants if v not in cc.DEPTH_VARIANTS]
    if bad:
        raise MuPError(f"--variants {' '.join(bad)}: across depth the variants are {', '.join(cc.DEPTH_VARIANTS)}.")
    return "depth", args.depths, variants, args.lr or 1e-3


def coord_check_command(args) -> int:
    axis, sizes, variants, lr = _coord_check_plan(args)
    seeds = args.seeds or (cc.ARCHS[args.arch].check_seeds if axis == "width" else 1)
    results = {}
    for variant in variants:
        if axis == "width":
            rows = cc.run(args.arch, sizes, variant, steps=args.steps, optimizer=args.optimizer, lr=lr,
                          seeds=seeds)
        else:
            rows = cc.run_depth(args.arch, sizes, variant, width=(args.widths or [128])[0], steps=args.steps, lr=lr,
                                seeds=seeds)
        results[variant] = (rows, cc.check(rows, max_slope=args.max_slope, max_change_slope=args.max_change_slope,
                                           axis=axis))
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    where = "" if axis == "width" else f" width {(args.widths or [128])[0]}, depth base {min(sizes)},"
    cc.plot_coords(results, out, title=f"{args.arch}:{where} {args.optimizer} lr={lr}, {args.steps} steps", axis=axis)
    record = {"arch": args.arch, "axis": axis, axis + "s": sizes, "steps": args.steps, "optimizer": args.optimizer,
              "lr": lr, "seeds": seeds, "max_slope": args.max_slope,
              "max_change_slope": args.max_change_slope,
              "variants": {v: {"passed": res.passed, "worst": res.worst[:20], "slopes": res.slopes,
                               "change_worst": res.change_worst[:20], "change_slopes": res.change_slopes, "rows": rows}
                           for v, (rows, res) in results.items()}}
    out.with_suffix(".json").write_text(json.dumps(record, indent=1))
    for variant, (_, res) in results.items():
        print(f"{args.arch} {variant}: {res.summary()}")
    print(f"wrote {out} and {out.with_suffix('.json')}")
    must_pass = ("mup",) if axis == "width" else ("completep",)
    failed = [v for v, (_, res) in results.items() if v in must_pass and not res.passed]
    return 1 if failed else 0


def diff_command(args) -> int:
    if args.fingerprints:
        Path(args.fingerprints).write_text(json.dumps(upstream_diff.fingerprints(), indent=1) + "\n")
        print(f"wrote {args.fingerprints}")
        return 0
    if not args.arch:
        raise SystemExit(f"name an architecture: {sorted(upstream_diff.ARCH_NAMES)}")
    for path in upstream_diff.write_originals(args.arch, args.out):
        print(f"wrote {path}")
    print(upstream_diff.render(args.arch))
    return 0


def sweep_of(args) -> "sw.Sweep":
    """The sweep that ``mutransformers sweep``'s options describe."""
    run_fields = {"steps": args.steps, "batch_size": args.batch_size, "seq_len": args.seq_len,
                  "vocab_size": args.vocab_size, "warmup": args.warmup,
                  "grad_clip": args.grad_clip, "mask_prob": args.mask_prob}
    if args.init_std is not None:
        run_fields["init_std"] = args.init_std
    if args.set:
        run_fields["config_set"] = sw.format_config_set(dict(args.set))
    return sw.Sweep(archs=args.archs, params=args.params, widths=args.widths, log2_lrs=args.log2_lrs,
                    seeds=args.seeds, run_fields=run_fields, hparams=dict(args.grid), protocol=args.protocol,
                    centre=dict(args.centre), depths=args.depths, paired=args.paired)


def experiment_parts(parser, args, argv) -> list:
    """``sweep --config FILE``: the parsed options of each part of the experiment, the part's own arguments
    followed by the ones given beside ``--config`` (which therefore win), the results file the experiment's."""
    from .sweep import experiment
    results, parts = experiment.load(args.config)
    given = list(argv[1:])  # argv[0] is "sweep"
    if "--config" in given:
        at = given.index("--config")
        given = given[:at] + given[at + 2:]
    given = [a for a in given if not a.startswith("--config=")]
    return [parser.parse_args(["sweep", *part, *given, "--results", str(results)]) for part in parts]


def sweep_command(args) -> int:
    sweep = sweep_of(args)
    from .sweep.data import resolve
    data = resolve(args.data)  # once, before workers start: offline without --data fails here, at once
    start = time.perf_counter()
    if args.storage:
        from .sweep.distributed import run_worker
        runs = sweep.runs_extending(args.results)
        done = run_worker(runs, args.results, data, args.storage, args.study, args.heartbeat)
    else:
        done = sw.run_local(sweep, args.results, data, workers=args.workers)
    print(f"{done} runs trained in {time.perf_counter() - start:.1f} s; results in {args.results}")
    return 0


def _hp_values(text: str) -> tuple:
    """``output_mult=0.5,1,2`` -> ("output_mult", [0.5, 1.0, 2.0])."""
    name, _, values = text.partition("=")
    try:
        return name, [float(v) for v in values.split(",")]
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r}: write HP=V1,V2,... with numbers, e.g. output_mult=0.5,1,2")


def config_value(text: str) -> tuple:
    """``tie_word_embeddings=false`` -> ("tie_word_embeddings", False): JSON values, else the text as a string."""
    name, sep, value = text.partition("=")
    if not sep or not name:
        raise argparse.ArgumentTypeError(f"{text!r}: write FIELD=VALUE, e.g. tie_word_embeddings=false")
    try:
        return name, json.loads(value)
    except json.JSONDecodeError:
        return name, value


def _hp_value(text: str) -> tuple:
    name, values = _hp_values(text)
    if len(values) != 1:
        raise argparse.ArgumentTypeError(f"{text!r}: one value per HP, e.g. log2_lr=-7")
    return name, values[0]


def sweep_report_command(args) -> int:
    records = sw.load(args.results)
    sw.check_one_sweep(records, args.results)
    if args.data:  # the unigram baseline for results written before runs recorded it
        from .sweep.data import unigram_loss
        baselines = {v: unigram_loss(args.data, v) for v in {r.get("vocab_size", 2048) for r in records}}
        records = [{"unigram_loss": baselines[r.get("vocab_size", 2048)], **r} for r in records]
    summary = sw.analyze(records)
    out = Path(args.out)
    sw.plot_sweep(records, out)
    out.with_suffix(".json").write_text(json.dumps(summary, indent=1))
    for name, s in summary.items():
        rows_key, falls_with, better = sw.AXES[s["axis"]]
        optima = ", ".join(f"{sw.scale_label((r['width'], r['depth']), s['axis'])}: {r['best_log2']:g}"
                           for r in s[rows_key])
        exceptions = s[f"values_where_{better}_is_not_better_log2"]
        print(f"{name}: optimum (log2) per {falls_with} {{{optima}}}; shift {s['optimum_shift_steps']} grid steps; "
              f"best loss falls with {falls_with}: {s[f'best_loss_falls_with_{falls_with}']}; {better} is better at "
              f"the values near the optimum {s['values_near_optimum_log2']}: {s[f'{better}_better_near_optimum']}"
              + (f" (not at {exceptions})" if exceptions else "")
              + ("; the largest scale did not run the smallest one's optimum" if s["transfer_gap"] is None
                 else f"; the smallest scale's optimum costs {s['transfer_gap']:.3f} nats at the largest")
              + (f"; unigram baseline {s['unigram_loss']:.3f}, best losses {s['margin_below_unigram']:.3f} below it, "
                 f"seed spread at the optimum {s['seed_spread_at_optimum']:.3f}" if s["unigram_loss"] else ""))
    print(f"wrote {out} and {out.with_suffix('.json')}")
    return 0


def _corpus(args):
    from .sweep.corpus import Corpus
    from .sweep.data import resolve
    return Corpus(str(resolve(args.data)), text_field=args.text_field, tokenizer=args.tokenizer,
                  vocab_size=args.vocab_size, eval_fraction=args.eval_fraction)


def tune_command(args) -> int:
    from .tune import Tune, parse_space
    run_fields = {"steps": args.steps, "batch_size": args.batch_size, "seq_len": args.seq_len,
                  "warmup": args.warmup, "grad_clip": args.grad_clip, "mask_prob": args.mask_prob}
    tune = Tune(target=args.target, proxy_width=args.proxy_width, proxy_layers=args.proxy_layers,
                depth_alpha=args.depth_alpha,
                corpus=_corpus(args), space=parse_space(args.search), out=args.out, sampler=args.sampler,
                trials=args.trials, seeds=args.seeds, run_fields=run_fields)
    print(f"proxy: {tune.proxy_config.model_type} at width {args.proxy_width} "
          f"({_millions(tune.proxy_config)} parameters); target {args.target} "
          f"({_millions(tune.based_target)}) with mup_base {tune.based_target.mup_base}; "
          f"{tune.n_trials()} trials x {len(tune.seeds)} seeds")
    start = time.perf_counter()
    trained = tune.run(workers=args.workers, storage=args.storage)
    record = tune.write()
    print(f"{trained} runs trained in {time.perf_counter() - start:.1f} s; best held-out loss "
          f"{record['best_eval_loss']:.4f} (unigram {record['unigram_loss']:.3f}) at "
          + " ".join(f"{k}={v:g}" for k, v in record["hparams"].items()))
    print(f"wrote {Path(args.out) / 'hparams.json'}, target/config.json, report.json, report.png")
    return 0


def _millions(config) -> str:
    from .targets import parameter_count
    return f"{parameter_count(config) / 1e6:.1f}M"


def train_command(args) -> int:
    from .train_target import train_target
    summary = train_target(args.config, _corpus(args), args.out, steps=args.steps, save_steps=args.save_steps,
                           seed=args.seed, device=args.device)
    print(f"trained {summary['steps']} steps with {summary['hparams_file']}: held-out loss "
          f"{summary['eval_loss']:.4f} (unigram {summary['unigram_loss']:.3f}); wrote {args.out}")
    return 0


def _data_arguments(parser):
    parser.add_argument("--data", help="your text: a folder of .txt files, a .jsonl file, a dataset saved with "
                                       "datasets' save_to_disk, or a WikiText folder (test.txt / valid.txt); "
                                       "unset: WikiText-2 through datasets.load_dataset (cached)")
    parser.add_argument("--text-field", default="text", help=".jsonl / saved dataset: the text's field")
    parser.add_argument("--tokenizer", help="a tokenizer folder (AutoTokenizer); unset: byte-level BPE trained "
                                            "on the data and cached")
    parser.add_argument("--vocab-size", type=int, default=2048, help="the locally trained BPE's vocabulary")
    parser.add_argument("--eval-fraction", type=float, default=0.05,
                        help="held out from the end of the text where the data has no held-out split")


def presets_command(args) -> int:
    from .presets import PRESETS, write_base_shapes
    if args.write_base_shapes:
        for path in write_base_shapes(args.write_base_shapes):
            print(f"wrote {path}")
        return 0
    for name, (model_type, fields, base) in sorted(PRESETS.items()):
        print(f"{name:<22} {model_type:<10} {fields}  base {base}")
    return 0


def check_arch_command(args) -> int:
    from .checks import run_battery
    from .generic import record_verification
    print(f"check-arch {args.model_type} (transformers {__import__('transformers').__version__}): the battery on a "
          "2-layer causal LM, widths 32-512")
    record = run_battery(args.model_type)
    verdict = "PASS: the generic path may build it" if record["passed"] else "FAIL: the generic path refuses it"
    print(f"{args.model_type}: {verdict} ({record['seconds']} s)")
    if args.json:
        record_verification(args.model_type, record, args.json)
    if not args.no_record:
        print(f"recorded in {record_verification(args.model_type, record)}")
    return 0 if record["passed"] else 1


def build_parser() -> argparse.ArgumentParser:
    """Every command and option (the docs' CLI reference is generated from it)."""
    parser = argparse.ArgumentParser(prog="mutransformers", description="muP transformers: coordinate checks, "
                                     "transfer sweeps and their reports, upstream diffs, presets")
    commands = parser.add_subparsers(dest="command", required=True)
    defaults = argparse.ArgumentDefaultsHelpFormatter  # every --help shows each option's default
    coord = commands.add_parser("coord-check", help="activation size against width, muP vs SP (PNG + JSON)",
                                formatter_class=defaults)
    coord.add_argument("--arch", choices=sorted(cc.ARCHS), default="gpt2", help="architecture family")
    coord.add_argument("--widths", type=int, nargs="+",
                       help="model widths, the smallest is the base (default 64 128 256 512 1024); "
                            "with --depths one width (default 128)")
    coord.add_argument("--depths", type=int, nargs="+",
                       help="check across depth instead (e.g. 4 8 16 32; the smallest is the base depth)")
    coord.add_argument("--steps", type=int, default=8,
                       help="training steps; 1/sqrt(d) attention shows only after ~6")
    coord.add_argument("--optimizer", choices=["adam", "sgd"], default="adam", help="muP optimizer (SP: torch's)")
    coord.add_argument("--lr", type=float, help="learning rate of the base model (default 1e-2; with --depths 1e-3)")
    coord.add_argument("--seeds", type=int,
                       help="average sizes over this many initializations (default: the architecture's calibrated "
                            "count across width, 2, OLMo-2 4, BART 8; 1 across depth)")
    coord.add_argument("--variants", nargs="+", choices=sorted({*cc.VARIANTS, *cc.DEPTH_VARIANTS}),
                       help="parametrizations to check; the negative controls must fail (default: sp mup; with "
                            "--depths: mup completep)")
    coord.add_argument("--max-slope", type=float, default=cc.MAX_SLOPE, help="sizes may not grow faster")
    coord.add_argument("--max-change-slope", type=float, default=cc.MAX_CHANGE_SLOPE,
                       help="changes from init may not grow or shrink faster (attention logits: not grow)")
    coord.add_argument("--out", default="coord_check.png", help="figure path; the numbers go beside it as .json")
    coord.set_defaults(handler=coord_check_command)
    diff = commands.add_parser("diff", help="our muP overrides beside the upstream code they replace",
                               formatter_class=defaults)
    diff.add_argument("arch", nargs="?", choices=sorted(upstream_diff.ARCH_NAMES), help="architecture to show")
    diff.add_argument("--out", default=".", help="folder for the upstream files (_original_*.py)")
    diff.add_argument("--fingerprints", metavar="PATH",
                      help="instead, write the fingerprints of every upstream method we override or rely on")
    diff.set_defaults(handler=diff_command)
    sweep = commands.add_parser("sweep", help="arch x parametrization x width x depth x HPs (log2 LR, multipliers, "
                                              "init) x seed "
                                              "(JSONL results)", formatter_class=defaults)
    sweep.add_argument("--archs", nargs="+", choices=sorted(cc.ARCHS), default=["gpt2"], help="architectures")
    sweep.add_argument("--params", nargs="+", choices=sw.PARAMS, default=["mup", "sp"],
                       help="parametrizations: completep / depth_mup are muP with a base depth (alpha 1 / 0.5)")
    sweep.add_argument("--widths", type=int, nargs="+", default=[64, 128, 256, 512],
                       help="model widths; the smallest is muP's base")
    sweep.add_argument("--log2-lrs", type=float, nargs="+", default=list(range(-12, -4)),
                       help="learning rates, as log2 (muP: the base width's LR)")
    sweep.add_argument("--grid", nargs="+", type=_hp_values, default=[], metavar="HP=V1,V2,...",
                       help=f"other hyperparameters to sweep, e.g. output_mult=0.25,0.5,1,2,4 ({', '.join(sw.HPARAMS[1:])})")
    sweep.add_argument("--protocol", choices=sw.PROTOCOLS, default="grid",
                       help="grid: every combination; one-at-a-time: each HP varied with the others at the centre "
                            "(TP V Fig. 4)")
    sweep.add_argument("--centre", nargs="+", type=_hp_value, default=[], metavar="HP=V",
                       help="one-at-a-time: each HP's value while another varies (unset: its only value, or "
                            "1 for multipliers and the base init std; the LR must be given)")
    sweep.add_argument("--seeds", type=int, nargs="+", default=[0, 1], help="initialization and data seeds")
    sweep.add_argument("--steps", type=int, default=300, help="optimizer steps per run")
    sweep.add_argument("--batch-size", type=int, default=16, help="sequences per step")
    sweep.add_argument("--seq-len", type=int, default=128, help="tokens per sequence")
    sweep.add_argument("--vocab-size", type=int, default=2048, help="BPE vocabulary trained on the data")
    sweep.add_argument("--depths", "--n-layer", type=int, nargs="+", default=[2],
                       help="layer counts; the smallest is the base depth of completep / depth_mup (CompleteP)")
    sweep.add_argument("--paired", action="store_true",
                       help="the i-th width with the i-th depth (a joint width-and-depth transfer), not every pair")
    sweep.add_argument("--init-std", type=float, default=None,
                       help="initializer_range of the base model; None: 0.02 * sqrt(768 / smallest width)")
    sweep.add_argument("--warmup", type=float, default=0.3, help="linear warmup, as a fraction of the steps")
    sweep.add_argument("--grad-clip", type=float, default=1.0, help="max global gradient norm (0: no clipping)")
    sweep.add_argument("--mask-prob", type=float, default=0.15, help="masked LMs: fraction of tokens masked")
    sweep.add_argument("--set", nargs="+", type=config_value, default=[], metavar="FIELD=VALUE",
                       help="upstream config fields for every run (an ablation), e.g. tie_word_embeddings=false "
                            "activation_function=relu; muP runs also take readout_zero_init / query_zero_init")
    sweep.add_argument("--data", help="folder with test.txt (trained on) and valid.txt (held out), e.g. WikiText-2 "
                                      "raw; unset: WikiText-2 through datasets.load_dataset (cached)")
    sweep.add_argument("--results", default="sweep_results.jsonl",
                       help="JSONL file: one line per finished run; an existing file is resumed")
    sweep.add_argument("--workers", type=int, default=2, help="local worker processes, one thread each")
    sweep.add_argument("--storage", help="Optuna storage URL (e.g. postgresql://host/db): run as a distributed worker")
    sweep.add_argument("--study", default="mutransformers-sweep", help="Optuna study name on --storage")
    sweep.add_argument("--config", metavar="EXPERIMENT_JSON",
                       help="replay an experiment (experiments/<id>/experiment.json): each of its parts in turn, "
                            "finished runs skipped; options given beside it (--data, --workers) apply to every part")
    sweep.add_argument("--heartbeat", type=float, default=60.0,
                       help="seconds between a worker's heartbeats on --storage; a run whose worker is silent for "
                            "3 heartbeats is retried by another worker")
    sweep.set_defaults(handler=sweep_command)
    report = commands.add_parser("sweep-report", help="optimum per width and HP, shifts, the TP V Fig. 1/4 plot",
                                 formatter_class=defaults)
    report.add_argument("results", help="the JSONL file a sweep wrote")
    report.add_argument("--out", default="lr_transfer.png", help="figure path; the analysis goes beside it as .json")
    report.add_argument("--data", help="the sweep's data folder: adds the unigram baseline where runs lack it")
    report.set_defaults(handler=sweep_report_command)
    tune = commands.add_parser("tune", help="tune a narrow proxy of your target on your data; writes hparams.json "
                                            "for `mutransformers train`", formatter_class=defaults)
    tune.add_argument("--target", required=True, help="a preset, a config.json or a checkpoint folder")
    tune.add_argument("--proxy-width", type=int, required=True,
                      help="the proxy's width (the target's muP base); the head dim is kept")
    tune.add_argument("--proxy-layers", type=int,
                      help="the proxy's depth (unset: the target's base depth if it declares one, else its depth). "
                           "Shallower than the target: GPT-2, Llama and T5 targets train with CompleteP's depth rules "
                           "based on it; BERT/RoBERTa (post-LN) have none (a warning says so)")
    tune.add_argument("--depth-alpha", type=float, choices=[0.5, 1.0],
                      help="with a shallower proxy: CompleteP's residual exponent (unset: 1.0; 0.5: Depth-muP)")
    _data_arguments(tune)
    tune.add_argument("--search", nargs="+", required=True, metavar="HP=LOW:HIGH|V1,V2",
                      help=f"the search space: log2_lr=-12:-4 (required), and any of {', '.join(sw.HPARAMS[1:])}, "
                           "e.g. output_mult=0.25:4 (grid: factors of 2)")
    tune.add_argument("--sampler", choices=["grid", "tpe"], default="grid", help="every grid point, or Optuna's TPE")
    tune.add_argument("--trials", type=int, default=32, help="tpe: trials in all")
    tune.add_argument("--seeds", type=int, nargs="+", default=[0], help="each trial trains one run per seed")
    tune.add_argument("--steps", type=int, default=500, help="optimizer steps per trial")
    tune.add_argument("--batch-size", type=int, default=16, help="sequences per step")
    tune.add_argument("--seq-len", type=int, default=128, help="tokens per sequence")
    tune.add_argument("--warmup", type=float, default=0.3, help="linear warmup, as a fraction of the steps")
    tune.add_argument("--grad-clip", type=float, default=1.0, help="max global gradient norm (0: no clipping)")
    tune.add_argument("--mask-prob", type=float, default=0.15, help="masked LMs: fraction of tokens masked")
    tune.add_argument("--workers", type=int, default=2, help="local worker processes, one thread each")
    tune.add_argument("--storage", help="Optuna storage URL shared by workers on other machines (unset: "
                                        "OUT/study.db)")
    tune.add_argument("--out", default="tuned", help="folder for hparams.json, the trials and the report")
    tune.set_defaults(handler=tune_command)
    train = commands.add_parser("train", help="train the target with the values `tune` found (checkpoints, "
                                              "resume)", formatter_class=defaults)
    train.add_argument("--config", required=True, help="the folder `mutransformers tune` wrote (hparams.json)")
    _data_arguments(train)
    train.add_argument("--steps", type=int, help="optimizer steps (unset: the proxy's)")
    train.add_argument("--save-steps", type=int, default=500, help="checkpoint every this many steps")
    train.add_argument("--seed", type=int, default=0, help="initialization and data seed")
    train.add_argument("--device", help="cpu or cuda (unset: the GPU when there is one)")
    train.add_argument("--out", default="trained", help="checkpoints, the final model and train_summary.json; "
                                                        "an existing run there is resumed")
    train.set_defaults(handler=train_command)
    presets = commands.add_parser("presets", help="list the shipped presets, or regenerate their .bsh files",
                                  formatter_class=defaults)
    presets.add_argument("--write-base-shapes", metavar="DIR", help="write <preset>.bsh files into DIR")
    presets.set_defaults(handler=presets_command)
    check = commands.add_parser("check-arch", help="run the muP battery on an undeclared transformers model type; "
                                "the generic path builds it only after it passes", formatter_class=defaults)
    check.add_argument("model_type", help="an upstream model type, e.g. stablelm")
    check.add_argument("--json", help="also add the record to this JSON file (keyed by model type)")
    check.add_argument("--no-record", action="store_true", help="do not record the result for the generic path")
    check.set_defaults(handler=check_arch_command)
    return parser


def main(argv=None) -> int:
    parser = build_parser()
    argv = sys.argv[1:] if argv is None else list(argv)
    args = parser.parse_args(argv)
    try:
        if args.command == "sweep" and args.config:  # (train's --config is the tuned folder)
            return max(args.handler(part) for part in experiment_parts(parser, args, argv))
        return args.handler(args)
    except MuPError as error:  # bad input: the message names the problem and the fix, no traceback
        parser.exit(2, f"mutransformers {args.command}: error: {error}\n")


if __name__ == "__main__":
    sys.exit(main())
