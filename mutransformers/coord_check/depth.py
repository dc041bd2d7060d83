"""The coordinate check across depth: one width, a family of growing depth (CompleteP, core/depth.py).

Modules are compared across depths at the same *fraction* of the depth: the block that ends the first
half (index L/2 - 1) and the last block are recorded under the names ``<blocks>.middle`` and
``<blocks>.last`` at every depth, with the embeddings, the final norm and the logits; other blocks are
not. (The first block is no fixed fraction: under CompleteP its share of the residual stream, and of the
stream's change, is 1/L by design.) Under CompleteP the residual stream at both positions, the
attention internals, the final norm's input and the logits keep their size and their change from
initialization as depth grows; without a base depth the residual stream grows with depth (every block
adds a Theta(1) update), and with alpha = 0.5 (Depth-muP) the blocks' features change less and less as
depth grows: the lazy regime CompleteP's paper names.

The branch outputs themselves (``attn_out``, ``mlp``) are left out: CompleteP multiplies them by
(L / L_base)^-alpha on purpose, so their size falls with depth by construction.
"""
import re

from ..families import ARCHS, DEPTH_VARIANTS, depth_family, markov_batches
from .record import collect_coords, make_optimizer

SCALED_BY_DESIGN = ("attn_out", "mlp")


def block_position_names(model) -> dict:
    """{module: name}: the blocks at depth fractions 1/2 and 1 named ``middle`` and ``last``, other blocks left out."""
    blocks = [name for name, m in model.named_modules() if isinstance(m, model.mup_residual_blocks)]
    last = {}
    for name in blocks:
        stack, index = name.rsplit(".", 1)
        last[stack] = max(last.get(stack, 0), int(index))
    names = {}
    for name, module in model.named_modules():
        renamed = name or "model"
        for stack, top in last.items():
            match = re.match(rf"{re.escape(stack)}\.(\d+)(\.|$)", name)
            if match:
                index = int(match.group(1))
                middle = (top + 1) // 2 - 1
                if index not in (middle, top):
                    renamed = None
                else:
                    position = "middle" if index == middle else "last"
                    renamed = f"{stack}.{position}{name[match.end(1):]}"
                break
        if renamed is not None:
            names[module] = renamed
    return names


def _without_branch_outputs(rows):
    return [row for row in rows if row["kind"] not in SCALED_BY_DESIGN]


def run_depth(arch: str, depths, variant: str = "completep", *, width: int = 128, steps: int = 8,
              lr: float = 1e-2, seeds: int = 1, progress: bool = True, **overrides) -> list[dict]:
    """Coordinate-check rows (key ``depth``) for a built-in architecture at one width and growing depth."""
    if variant not in DEPTH_VARIANTS:
        raise ValueError(f"depth variants: {sorted(DEPTH_VARIANTS)}")
    rows = collect_coords(depth_family(arch, depths, variant, width, **overrides),
                          markov_batches(steps, ARCHS[arch].masked), steps=steps,
                          optimizer=lambda model, depth: make_optimizer(model, "adam", lr, True), seeds=seeds,
                          declared_by=ARCHS[arch].mu_class, label=f"{arch} {variant} (depth)", progress=progress,
                          axis="depth", module_names=block_position_names)
    return _without_branch_outputs(rows)
