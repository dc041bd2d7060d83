"""Coordinate check: activation size against width over a few training steps (TP V, Section 7.2)."""
from .depth import block_position_names, run_depth
from .plot import plot_coords
from .record import collect_coords, make_optimizer, module_kinds
from .verdict import MAX_CHANGE_SLOPE, MAX_SLOPE, CoordCheckResult, check, fit_slopes
from ..families import ARCHS, DEPTH_VARIANTS, VARIANTS, build, family, learning_rate, markov_batches, uses_mup_optimizer


def run(arch: str, widths, variant: str = "mup", *, steps: int = 4, optimizer: str = "adam", lr: float = 1e-2,
        seeds: int | None = None, progress: bool = True, **overrides) -> list[dict]:
    """Coordinate-check rows for one of the built-in architectures and variants.

    ``seeds`` initializations are averaged; by default the architecture's calibrated count
    (``ARCHS[arch].check_seeds``), since the bounds were calibrated on that many and one seed is too noisy.
    """
    base_width = min(widths)
    seeds = seeds or ARCHS[arch].check_seeds

    def make(model, width):
        return make_optimizer(model, optimizer, learning_rate(variant, lr, width, base_width),
                              uses_mup_optimizer(variant))

    return collect_coords(family(arch, widths, variant, **overrides), markov_batches(steps, ARCHS[arch].masked),
                          steps=steps, optimizer=make, seeds=seeds, declared_by=ARCHS[arch].mu_class,
                          label=f"{arch} {variant}", progress=progress)
