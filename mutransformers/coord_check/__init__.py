"""Coordinate check: activation size against width over a few training steps (TP V, Section 7.2)."""
from .plot import plot_coords
from .record import collect_coords, module_kinds
from .verdict import MAX_SLOPE, CoordCheckResult, check, fit_slopes
from ..families import ARCHS, VARIANTS, build, family, markov_batches, uses_mup_optimizer


def run(arch: str, widths, variant: str = "mup", *, steps: int = 4, optimizer: str = "adam", lr: float = 1e-2,
        seeds: int = 1, progress: bool = True, **overrides) -> list[dict]:
    """Coordinate-check rows for one of the built-in architectures and variants."""
    return collect_coords(family(arch, widths, variant, **overrides), markov_batches(steps, ARCHS[arch].masked),
                          steps=steps, optimizer=optimizer, lr=lr, mup_optimizer=uses_mup_optimizer(variant),
                          seeds=seeds, declared_by=ARCHS[arch].mu_class, label=f"{arch} {variant}",
                          progress=progress)
