"""Does GPT-2's learned position table make its input multiplier's optimum drift with width (issue 13)?

muP GPT-2's ``input_mult`` optimum falls from x8 at width 64 to x2 at width 256 on three seeds
(docs/hp_transfer_gpt2_input_mult*.jsonl), while tied Llama's moves one step (docs/hp_transfer_llama_tied.*).
GPT-2 ties its readout as tied Llama does; unlike Llama it adds a learned position table, an input weight that
``input_mult`` scales with the token table. Here that table is zeroed and frozen (``no_positions``, the depth
ablation's edit: the causal mask alone tells position), everything else as the HP sweep runs it (300 steps of
16 x 64 tokens, log2 LR -7, the centre of docs/hp_transfer_gpt2.*). Resumable: finished runs are appended to the
JSONL file and skipped when run again; ``--report`` analyses and draws each variant as ``sweep-report`` does.

    python benchmarks/gpt2_positions_ablation.py --data ../shared/data/wikitext-2 --widths 64 128 256 \
        --grid input_mult=1,2,4,8,16 --out docs/gpt2_ablation/input_mult.jsonl \
        --report docs/gpt2_ablation/input_mult.png
"""
import functools

from depth_ablation_gpt2 import no_positions  # this folder is on sys.path when run
from optimizer_ablation import edited_runs, model_edit, model_edit_parser, protocol, run_edit_ablation, train_edited

EDITS = {"no_positions": no_positions}
edit_for = functools.partial(model_edit, EDITS)
_train = functools.partial(train_edited, EDITS)
runs = functools.partial(edited_runs, "gpt2", protocol("gpt2"))  # (variants, widths, log2_lrs, seeds, hparams)


def main():
    parser = model_edit_parser(__doc__.splitlines()[0], EDITS, widths=[64, 128, 256], log2_lrs=[-7.0],
                               grid_example="input_mult=1,2,4,8,16", out="docs/gpt2_ablation/input_mult.jsonl")
    run_edit_ablation(parser.parse_args(), runs, _train)


if __name__ == "__main__":
    main()
